"""The sales managers' call queue: queued leads, best first."""

from django.db.models import QuerySet
from django.utils import timezone

from routing.models import Lead


def call_queue() -> QuerySet:
    """Return open leads a call-queue action queued, highest chance first."""
    return (
        Lead.objects.filter(queued_at__isnull=False, outcome="")
        .select_related("tier", "owner")
        .order_by("-probability", "queued_at")
    )


def claim(lead: Lead, user) -> bool:
    """Make the user the lead's owner unless someone claimed it; return success."""
    claimed = Lead.objects.filter(pk=lead.pk, claimed_at=None).update(
        owner=user, claimed_at=timezone.now()
    )
    return bool(claimed)
