"""Response headers that Django's SecurityMiddleware does not set."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy_text(policy: dict[str, list[str]]) -> str:
    """Return a Content-Security-Policy header value from directive lists."""
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


class SecurityHeadersMiddleware:
    """Add the content security policy and turn off unused browser features."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.csp = policy_text(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
