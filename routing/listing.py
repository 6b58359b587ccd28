"""The sales managers' ranked list: filters, search and CSV export."""

import csv
import io
from collections.abc import Iterator
from datetime import date

from django.db.models import Q, QuerySet

from routing.export import escape_formula
from routing.models import Lead

EXPORT_COLUMNS = [
    "lead_id",
    "external_id",
    "probability",
    "tier",
    "top_reasons",
    "source",
    "owner",
    "outcome",
    "scored_at",
]


def filter_leads(
    *,
    tier: str = "",
    source: str = "",
    owner: str = "",
    status: str = "",
    since: date | None = None,
    until: date | None = None,
    search: str = "",
    dataset: int | None = None,
) -> QuerySet:
    """Return leads matching every filter given, most likely to convert first.

    `status` is "open", "won" or "lost"; `search` looks in the external ID and
    in the lead's stored fields.
    """
    leads = Lead.objects.select_related("tier", "dataset", "owner")
    conditions = {
        "tier__name": tier,
        "source": source,
        "owner__username": owner,
        "outcome": {"open": "", "won": "won", "lost": "lost"}.get(status),
        "scored_at__date__gte": since,
        "scored_at__date__lte": until,
        "dataset_id": dataset,
    }
    leads = leads.filter(**{k: v for k, v in conditions.items() if v not in ("", None)})
    if status == "open":
        leads = leads.filter(outcome="")
    if search:
        # Known limit: searching inside fields matches the stored JSON text,
        # so a search for a field's name also matches every lead that has it.
        leads = leads.filter(
            Q(external_id__icontains=search) | Q(fields__icontains=search)
        )
    return leads.order_by("-probability", "-pk")


def export_rows(leads: QuerySet) -> Iterator[str]:
    """Yield the leads as CSV lines, formulas escaped, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([escape_formula(value) for value in values])
        return buffer.getvalue()

    yield line(EXPORT_COLUMNS)
    for lead in leads.iterator(chunk_size=2000):
        yield line(
            [
                lead.pk,
                lead.external_id,
                round(lead.probability, 4),
                lead.tier.name if lead.tier else "",
                "; ".join(reason["text"] for reason in lead.reasons),
                lead.source,
                lead.owner.username if lead.owner else "",
                lead.outcome or "open",
                lead.scored_at.isoformat(),
            ]
        )
