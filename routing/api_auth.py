"""Token authentication for the scoring API."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from routing.models import ApiToken
from routing.tokens import find_token

# Recording every use would add a write to every request; once a minute is
# enough to tell an admin which tokens are still in use.
LAST_USED_EVERY_SECONDS = 60


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Accept `Authorization: Bearer <token>` (or `Token <token>`)."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the token after 'Bearer '.")
        token = find_token(parts[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed("This token is unknown or revoked.")
        _note_use(token)
        return (None, token)

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


def _note_use(token: ApiToken) -> None:
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() > LAST_USED_EVERY_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


class HasApiToken(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describe the token in the OpenAPI schema as a bearer token."""

    target_class = "routing.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer",
                "description": "One token per integration; ask an admin."}
