from django.core.management.base import CommandError

from leadscore_site.commands import LeadscoreCommand
from routing.models import ApiToken
from routing.tokens import KEY_STARTS, SCORING, create_token


class Command(LeadscoreCommand):
    help = "Create an API token for one integration and print it (shown once)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("name", help="the integration, e.g. 'HubSpot sync'")
        parser.add_argument(
            "--scope",
            choices=list(KEY_STARTS),
            default=SCORING,
            help="scoring (the default: score leads, record outcomes) or admin",
        )

    def run(self, **options) -> dict:
        name = options["name"].strip()
        if not name or len(name) > 80:
            raise CommandError("give the integration a name of 1 to 80 characters")
        if ApiToken.objects.filter(name=name).exists():
            # A revoked token keeps its name, so revoking does not free it.
            raise CommandError(f"a token named {name!r} exists; pick another name")
        token, key = create_token(name, scope=options["scope"])
        return {"name": token.name, "scope": options["scope"], "token": key}

    def as_text(self, result: dict) -> str:
        # The token alone, so a script can capture it: KEY=$(manage.py ...)
        return result["token"]
