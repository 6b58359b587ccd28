"""Putting a model version in use, and taking an earlier one back."""

import logging

from django.db import transaction

from modeling import audit
from modeling.models import ModelVersion

logger = logging.getLogger(__name__)


def make_active(
    version: ModelVersion, *, reason: str, user=None, actor_label: str = ""
) -> str:
    """Make `version` the model that scores new leads; record who and why.

    Returns "promoted" for a newer version than the one in use and
    "rolled_back" for an older one. Stored scores keep their own version.
    """
    with transaction.atomic():
        # Lock the active row so two promotions at once end with one winner.
        current = (
            ModelVersion.objects.select_for_update().filter(is_active=True).first()
        )
        if current is not None and current.pk == version.pk:
            return "unchanged"
        action = "rolled_back" if current and version.pk < current.pk else "promoted"
        version.activate()
        audit.record(
            "model",
            action,
            f"Model v{version.pk} put in use"
            + (f" instead of v{current.pk}" if current else ""),
            object_id=version.pk,
            user=user,
            actor_label=actor_label,
            reason=reason,
            details={"from": current.pk if current else None, "to": version.pk},
        )
    logger.info("Model %s: %s (was %s)", version.pk, action, current and current.pk)
    return action
