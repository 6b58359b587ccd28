"""API tokens: one per integration, shown once, stored only as a hash."""

import hashlib
import logging
import secrets

from django.utils import timezone

from modeling import audit
from routing.models import ApiToken

logger = logging.getLogger(__name__)

SCORING = "scoring"
ADMIN = "admin"
# The scope is written into the key's start, which is stored as the token's
# prefix and covered by its hash, so it cannot be changed without making the
# key unknown. "lsa_" can never begin a scoring key, whose third character is
# always "_".
KEY_STARTS = {SCORING: "ls_", ADMIN: "lsa_"}
SCOPE_NAMES = {SCORING: "Scoring", ADMIN: "Admin"}


def hash_key(key: str) -> str:
    """Return the SHA-256 a token is stored and looked up by.

    A token is 256 random bits, so a fast hash is enough; a slow password
    hash would only slow every API request.
    """
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(name: str, *, scope: str = SCORING) -> tuple[ApiToken, str]:
    """Create a token for an integration; return it and its only plain copy.

    A scoring token calls the scoring API; an admin token only the endpoints
    that leadscore_site/access.py marks for admin use.
    """
    if scope not in KEY_STARTS:
        raise ValueError(f"A token's scope is one of {', '.join(KEY_STARTS)}.")
    key = KEY_STARTS[scope] + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, prefix=key[:8], key_hash=hash_key(key))
    audit.record(
        "token", "created", f"API token {name} created ({scope})", object_id=token.pk
    )
    logger.info("ApiToken %s: created for %s, scope %s", token.pk, name, scope)
    return token, key


def token_scope(token: ApiToken) -> str:
    """Return what the token may be used for: "scoring" or "admin"."""
    return ADMIN if token.prefix.startswith(KEY_STARTS[ADMIN]) else SCORING


def listed_tokens() -> list[tuple[ApiToken, str]]:
    """Return every token, revoked ones too, with its scope's name."""
    return [
        (token, SCOPE_NAMES[token_scope(token)]) for token in ApiToken.objects.all()
    ]


def find_token(key: str) -> ApiToken | None:
    """Return the active token with this key, or None."""
    return ApiToken.objects.filter(key_hash=hash_key(key), revoked_at=None).first()


def revoke_token(token: ApiToken) -> None:
    """Stop a token from working, keeping its record."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        "token", "revoked", f"API token {token.name} revoked", object_id=token.pk
    )
    logger.info("ApiToken %s: revoked", token.pk)
