from django.core.management.base import CommandError

from leadscore_site.commands import LeadscoreCommand
from routing.models import ApiToken
from routing.tokens import create_token


class Command(LeadscoreCommand):
    help = "Create an API token for one integration and print it (shown once)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("name", help="the integration, e.g. 'HubSpot sync'")

    def run(self, **options) -> dict:
        name = options["name"].strip()
        if not name or len(name) > 80:
            raise CommandError("give the integration a name of 1 to 80 characters")
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(
                f"a token named {name!r} exists; revoke it or pick another name"
            )
        token, key = create_token(name)
        return {"name": token.name, "token": key}

    def as_text(self, result: dict) -> str:
        return result["token"]
