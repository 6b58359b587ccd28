"""Token authentication for the scoring API."""

import logging
import math
import time
from typing import NoReturn

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from leadscore_site.access import rule_for
from routing.models import ApiToken
from routing.tokens import find_token, token_scope

logger = logging.getLogger(__name__)

# Recording every use would add a write to every request; once a minute is
# enough to tell an admin which tokens are still in use.
LAST_USED_EVERY_SECONDS = 60
# Unknown tokens from one address are counted over this window; past
# API_BAD_TOKEN_LIMIT the address's unknown tokens are refused with a 429
# until the window ends.
BAD_TOKEN_WINDOW_SECONDS = 600


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Accept `Authorization: Bearer <token>` (or `Token <token>`)."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[None, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        keyword = parts[0].decode(errors="replace").lower() if parts else ""
        if keyword not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the token after 'Bearer '.")
        token = find_token(parts[1].decode(errors="replace"))
        if token is None:
            refuse_unknown_token(get_client_ip_address(request) or "unknown")
        _note_use(token)
        return (None, token)

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


def refuse_unknown_token(address: str) -> NoReturn:
    """Refuse a request with an unknown token, counting it against its address.

    Only unknown tokens are refused per address: a valid token behind the
    same NAT or proxy is let in, so one integration left with a revoked token
    cannot lock out the others.
    """
    if guesses_so_far(address) >= settings.API_BAD_TOKEN_LIMIT:
        raise exceptions.Throttled(
            wait=seconds_left(address),
            detail="Too many requests with unknown tokens from this address. "
            "Check the token.",
        )
    if count_guess(address) == settings.API_BAD_TOKEN_LIMIT:
        logger.warning("Address %s: too many unknown API tokens, refused", address)
    raise exceptions.AuthenticationFailed("This token is unknown or revoked.")


def _guess_key(address: str) -> str:
    return f"api-bad-token:{address}"


def _window_end_key(address: str) -> str:
    return f"api-bad-token-ends:{address}"


def guesses_so_far(address: str) -> int:
    """Return how many unknown tokens this address sent in the window."""
    return cache.get(_guess_key(address), 0)


def count_guess(address: str) -> int:
    """Count one unknown token from this address; return the count so far.

    The count lasts a window from the first guess. Shared through Redis, so
    guesses spread over web processes add up.
    """
    key = _guess_key(address)
    if cache.add(key, 0, timeout=BAD_TOKEN_WINDOW_SECONDS):
        _start_window(address)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=BAD_TOKEN_WINDOW_SECONDS)
        _start_window(address)
        return 1


def _start_window(address: str) -> None:
    # Django's cache cannot tell how long a key has left, so the window's end
    # is kept beside the count for Retry-After.
    ends = time.time() + BAD_TOKEN_WINDOW_SECONDS
    cache.set(_window_end_key(address), ends, timeout=BAD_TOKEN_WINDOW_SECONDS)


def seconds_left(address: str) -> int:
    """Return the whole seconds until this address's window ends (at least 1)."""
    ends = cache.get(_window_end_key(address))
    if ends is None:
        return BAD_TOKEN_WINDOW_SECONDS
    return max(1, math.ceil(ends - time.time()))


def _note_use(token: ApiToken) -> None:
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() > LAST_USED_EVERY_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


class HasApiToken(permissions.BasePermission):
    """Let a token through only to endpoints of its scope.

    The scope each endpoint needs is its line in leadscore_site/access.py, so
    an endpoint missing there is refused to every token.
    """

    message = "This token's scope does not include this endpoint."

    def has_permission(self, request: Request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return False
        rule = rule_for(request.resolver_match.view_name)
        return (
            rule is not None
            and rule.kind == "token"
            and rule.need == token_scope(request.auth)
        )


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Limit each token to API_RATE_LIMIT requests (e.g. "600/min").

    Counts live in Django's cache, Redis, so every web process on every
    machine shares them.
    """

    scope = "api_token"
    # Unknown tokens never reach a throttle (authentication fails first);
    # ApiTokenAuthentication limits them per address instead.

    def get_rate(self) -> str:
        # Read at each request rather than at import, so tests can lower it.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request: Request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        # The hash, not the id: ids come back after a test's rollback.
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_hash}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describe the token in the OpenAPI schema as a bearer token."""

    target_class = "routing.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "One token per integration; ask an admin.",
        }
