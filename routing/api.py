"""What the scoring API returns (plain dicts built from stored rows), and the
lookups and updates behind its endpoints."""

from django.urls import reverse

from modeling.models import ModelVersion
from modeling.scoring import active_scoring_version
from routing.api_errors import ApiError
from routing.intake import (
    NUL,
    OWNER,
    IncomingLead,
    missing_fields,
    shown_value,
    trimmed_id,
)
from routing.models import Lead, Score, Tier

KIND_NAMES = {
    "number": "number",
    "category": "text",
    "yes_no": "yes_no",
    "date": "date",
}


def active_version() -> ModelVersion:
    """Return the active model, or raise the API's 503 saying what to do."""
    version = active_scoring_version()
    if version is None:
        raise ApiError(
            "No model is trained yet, so leads cannot be scored. Train one in "
            "Leadscore first.",
            code="no_active_model",
            status=503,
        )
    return version


def scored_lead(score: Score, item: IncomingLead | None = None) -> dict:
    """Return one scoring as the API shows it.

    Missing fields are those blank in the lead as scored, stored fields
    included, so a lead sent again or given answers later lists only what
    the model still lacks.
    """
    lead = score.lead
    kinds = score.model_version.column_kinds
    return {
        "lead_id": lead.pk,
        "url": lead_url(lead),
        "external_id": lead.external_id,
        "probability": round(score.probability, 4),
        "tier": tier_of(score.tier),
        "reasons": score.reasons,
        "model_version": score.model_version_id,
        "scored_at": score.scored_at,
        "ignored_fields": item.ignored if item else [],
        "missing_fields": missing_fields(lead.fields, kinds),
        "warnings": warnings_for(item, score.model_version) if item else [],
    }


def warnings_for(item: IncomingLead, version: ModelVersion) -> list[str]:
    """Return sentences about what was sent but not used as meant, or not
    scored on firm ground."""
    warnings = out_of_range(item.fields, version)
    if OWNER in item.ignored:
        warnings.append(
            f"No active Leadscore user has the username or e-mail "
            f"{shown_value(item.owner)}, so the lead's owner was not changed."
        )
    return warnings


def out_of_range(fields: dict, version: ModelVersion) -> list[str]:
    """Return a warning for each number sent outside the range of the history
    the model learned from (versions trained before ranges were kept have
    none)."""
    warnings = []
    references = (version.reference or {}).get("columns", {})
    for name, value in fields.items():
        seen = references.get(name, {}).get("range")
        if seen is None or not isinstance(value, (int, float)):
            continue
        low, high = seen
        if not low <= value <= high:
            warnings.append(
                f'"{name}" is {_number(value)}, outside anything in the history '
                f"the model learned from ({_number(low)} to {_number(high)}); "
                "check it, as the score of such a lead is a guess."
            )
    return warnings


def _number(value: float) -> str:
    if abs(value) >= 1e15:
        return f"{value:.3g}"  # 1e+308, not 309 digits
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def lead_url(lead: Lead) -> str:
    """Return the lead's API path by its own id, which every lead has."""
    return reverse("api-lead-by-id", kwargs={"lead_id": lead.pk})


def tier_of(tier: Tier | None) -> dict | None:
    return {"name": tier.name, "colour": tier.colour} if tier else None


def model_description(version: ModelVersion) -> dict:
    """Return what an integrator needs to send leads to this model."""
    from routing.intake import MAX_BATCH

    return {
        "model_version": version.pk,
        "algorithm": version.algorithm,
        "fields": [
            {"name": name, "type": KIND_NAMES.get(kind, "text")}
            for name, kind in version.column_kinds.items()
        ],
        "tiers": [
            {**tier_of(tier), "min_probability": tier.min_probability}
            for tier in Tier.objects.ordered()
        ],
        "max_batch": MAX_BATCH,
    }


def lead_record(lead: Lead) -> dict:
    """Return a stored lead with its score history, newest first."""
    return {
        "lead_id": lead.pk,
        "url": lead_url(lead),
        "external_id": lead.external_id,
        "fields": lead.fields,
        "probability": round(lead.probability, 4),
        "tier": tier_of(lead.tier),
        "reasons": lead.reasons,
        "outcome": lead.outcome,
        "outcome_at": lead.outcome_at,
        "history": [
            {
                "probability": round(s.probability, 4),
                "tier": s.tier_name,
                "model_version": s.model_version_id,
                "scored_at": s.scored_at,
            }
            for s in lead.scores.all()
        ],
    }


def find_lead(external_id: str) -> Lead:
    """Return the lead with this external ID, sent or uploaded, or a 404; the
    ID is trimmed, as it was when stored."""
    external_id = trimmed_id(external_id)
    # No lead has a blank ID (unnamed leads are reached by their lead_id), nor
    # one holding NUL, which PostgreSQL cannot even be asked about.
    lead = None
    if external_id and NUL not in external_id:
        lead = (
            Lead.objects.filter(external_id=external_id)
            .select_related("tier")
            .order_by("-pk")
            .first()
        )
    if lead is None:
        raise ApiError(
            f"No lead has the external ID {shown_value(external_id)}. Score it "
            "first with POST /api/v1/score.",
            code="not_found",
            status=404,
        )
    return lead


def find_lead_by_id(lead_id: int) -> Lead:
    """Return the lead with this Leadscore id, or a 404."""
    lead = Lead.objects.filter(pk=lead_id).select_related("tier").first()
    if lead is None:
        raise ApiError(
            f"No lead has the id {lead_id}. Use the lead_id (or url) that "
            "POST /api/v1/score returned.",
            code="not_found",
            status=404,
        )
    return lead
