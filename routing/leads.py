"""Store scored leads with their tier, and read them back ranked."""

import logging
import math
from collections.abc import Callable
from typing import IO

import pandas as pd
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from datasets.models import Dataset
from modeling.models import ModelVersion
from modeling.scoring import check_columns, predict_leads
from routing.export import scored_rows, write_scored_csv
from routing.intake import OWNER, IncomingLead
from routing.models import Lead, Score, Tier
from routing.tiers import assign_tier

logger = logging.getLogger(__name__)

BATCH = 2000
# Rows scored, stored and written at a time when scoring a file.
FILE_CHUNK = 10_000


def score_and_store(
    frame: pd.DataFrame,
    version: ModelVersion,
    *,
    dataset: Dataset | None = None,
    id_column: str | None = None,
) -> int:
    """Score every row of `frame`, store each as a Lead, return the count.

    A dataset's earlier scores are replaced, so scoring the same upload
    twice never lists a lead twice.
    """
    tiers = Tier.objects.ordered()
    scored = predict_leads(version, frame)
    leads = [
        Lead(
            dataset=dataset,
            row_number=int(position) + 1,
            external_id=_external_id(row, id_column),
            fields=_plain_fields(row),
            probability=float(proba),
            tier=assign_tier(proba, tiers),
            model_version=version,
            reasons=reasons,
        )
        for position, (row, proba, reasons) in enumerate(
            zip(
                frame.to_dict("records"),
                scored["probability"],
                scored["reasons"],
            )
        )
    ]
    with transaction.atomic():
        if dataset is not None:
            Lead.objects.filter(dataset=dataset).delete()
        Lead.objects.bulk_create(leads, batch_size=BATCH)
    logger.info("Model %s: stored %s scored leads", version.pk, len(leads))
    return len(leads)


def score_file(
    frame: pd.DataFrame,
    version: ModelVersion,
    out: IO[str],
    *,
    dataset: Dataset,
    progress: Callable[[int], None] = lambda n: None,
    chunk_rows: int = FILE_CHUNK,
) -> int:
    """Score an upload chunk by chunk: store each lead, write each row to `out`
    with probability, tier and reasons appended; return the count.

    Chunks bound the memory the reasons need, and let `progress` move.
    """
    check_columns(version, list(frame.columns))
    tiers = Tier.objects.ordered()
    id_column = identifier_column(dataset)
    Lead.objects.filter(dataset=dataset).delete()
    for start in range(0, len(frame), chunk_rows):
        chunk = frame.iloc[start : start + chunk_rows]
        scored = predict_leads(version, chunk)
        _store_chunk(chunk, scored, version, tiers, dataset, start, id_column)
        write_scored_csv(scored_rows(chunk, scored, tiers), out, header=start == 0)
        progress(min(start + chunk_rows, len(frame)))
    logger.info("Dataset %s: scored %s rows in chunks", dataset.pk, len(frame))
    return len(frame)


def identifier_column(dataset: Dataset) -> str | None:
    """Return the upload's first identifier column, the lead's CRM ID."""
    for column in dataset.profile:
        if column["kind"] == "identifier":
            return column["name"]
    return None


def _store_chunk(chunk, scored, version, tiers, dataset, start, id_column) -> None:
    leads = [
        Lead(
            dataset=dataset,
            row_number=start + position + 1,
            external_id=_external_id(row, id_column),
            fields=_plain_fields(row),
            probability=float(proba),
            tier=assign_tier(proba, tiers),
            model_version=version,
            reasons=reasons,
            source=dataset.original_name,
        )
        for position, (row, proba, reasons) in enumerate(
            zip(chunk.to_dict("records"), scored["probability"], scored["reasons"])
        )
    ]
    Lead.objects.bulk_create(leads, batch_size=BATCH)
    scores = Score.objects.bulk_create([_score_of(lead) for lead in leads])
    if dataset.purpose == Dataset.Purpose.NEW_LEADS:
        # New leads get their tier's follow-up like leads from the API; the
        # open leads of a history are only ranked, never contacted in bulk.
        from routing.deliveries import route_scores  # deliveries import this

        route_scores(scores)


def _external_id(row: dict, id_column: str | None) -> str:
    value = row.get(id_column) if id_column else None
    return "" if _is_blank(value) else str(value)


def _plain_fields(row: dict) -> dict:
    """Return the row as JSON-safe values, blanks as None."""
    return {
        str(key): None if _is_blank(value) else _json_value(value)
        for key, value in row.items()
    }


def _is_blank(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _json_value(value: object) -> object:
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 1137.0 was read as a number; show it as 1137
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def score_incoming(
    incoming: list[IncomingLead], version: ModelVersion, *, source: str
) -> list[Score]:
    """Store and score leads sent by another system; one Score per lead sent.

    A lead whose external ID is already known is that lead again: the new
    fields are merged into the stored ones and it is rescored, so answers
    added later (budget, timeline) change its score.
    """
    known = _known_leads({item.external_id for item in incoming} - {""})
    owners = _owners({item.owner for item in incoming} - {""})
    leads = []
    for item in incoming:
        lead = known.get(item.external_id) or Lead(
            external_id=item.external_id, source=source, probability=0.0
        )
        lead.fields = {**lead.fields, **item.fields}
        lead.owner = owners.get(item.owner.lower(), lead.owner)
        if item.owner and item.owner.lower() not in owners:
            item.ignored.append(OWNER)
        if item.external_id:
            known[item.external_id] = lead
        leads.append(lead)
    scores = rescore(list({id(lead): lead for lead in leads}.values()), version)
    by_lead = {id(score.lead): score for score in scores}
    return [by_lead[id(lead)] for lead in leads]


def rescore(leads: list[Lead], version: ModelVersion) -> list[Score]:
    """Score the leads' current fields, save each with a new Score, route them."""
    from routing.deliveries import route_scores  # deliveries import this module

    tiers = Tier.objects.ordered()
    frame = pd.DataFrame([lead.fields for lead in leads], index=range(len(leads)))
    scored = predict_leads(version, frame)
    now = timezone.now()
    for lead, proba, reasons in zip(leads, scored["probability"], scored["reasons"]):
        lead.probability, lead.reasons = float(proba), reasons
        lead.tier, lead.model_version = assign_tier(proba, tiers), version
        lead.scored_at = now

    new = [lead for lead in leads if lead.pk is None]
    old = [lead for lead in leads if lead.pk is not None]
    with transaction.atomic():
        Lead.objects.bulk_create(new, batch_size=BATCH)
        if old:
            Lead.objects.bulk_update(old, RESCORED_FIELDS, batch_size=BATCH)
        scores = Score.objects.bulk_create([_score_of(lead) for lead in leads])
    route_scores(scores)
    return scores


RESCORED_FIELDS = [
    "fields",
    "owner",
    "probability",
    "reasons",
    "tier",
    "model_version",
    "scored_at",
]


def _score_of(lead: Lead) -> Score:
    return Score(
        lead=lead,
        probability=lead.probability,
        tier=lead.tier,
        tier_name=lead.tier.name,
        reasons=lead.reasons,
        model_version=lead.model_version,
    )


def _known_leads(external_ids: set[str]) -> dict[str, Lead]:
    if not external_ids:
        return {}
    # The newest lead wins if an upload and the API both used an ID.
    leads = Lead.objects.filter(external_id__in=external_ids, dataset=None)
    return {lead.external_id: lead for lead in leads.order_by("pk")}


def _owners(names: set[str]) -> dict[str, object]:
    if not names:
        return {}
    lowered = {name.lower() for name in names}
    users = get_user_model().objects.filter(
        Q(username__in=names) | Q(email__in=names), is_active=True
    )
    found = {}
    for user in users:
        for key in (user.username.lower(), user.email.lower()):
            if key in lowered:
                found[key] = user
    return found


def record_outcome(lead: Lead, outcome: str) -> None:
    """Record that a lead was won or lost (or reopen it with a blank)."""
    lead.outcome = outcome
    lead.outcome_at = timezone.now() if outcome else None
    lead.save(update_fields=["outcome", "outcome_at"])
    logger.info("Lead %s: outcome %s", lead.pk, outcome or "reopened")
