"""Store scored leads with their tier, and read them back ranked."""

import logging
import math
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import IO, TypeVar

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from datasets.models import Dataset
from modeling.models import ModelVersion
from modeling.scoring import predict_leads
from routing.bulk import insert_new
from routing.export import scored_rows, write_safe_csv
from routing.intake import OWNER, IncomingLead
from routing.models import Lead, Score, Tier
from routing.tiers import assign_tier

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

BATCH = 2000
# Rows one scoring job takes from an upload: few enough to bound a worker's
# memory, enough that loading the model for each job costs little.
FILE_CHUNK = 50_000
# Rows scored, stored and written at a time within a job.
STEP_ROWS = 10_000


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
        insert_new(leads)
    logger.info("Model %s: stored %s scored leads", version.pk, len(leads))
    return len(leads)


def forget_unnamed_leads(dataset: Dataset) -> None:
    """Delete the leads an earlier scoring of this upload stored without an
    external ID; those with one are found again and updated in place."""
    Lead.objects.filter(dataset=dataset, external_id="").delete()


def rows_to_store(frame: pd.DataFrame, id_column: str | None) -> np.ndarray:
    """Return which rows become leads: every row but those whose external ID
    comes again further down (that later row is the lead's latest record)."""
    ids = pd.Series(_external_ids(frame, id_column), dtype=object)
    return ~(ids.duplicated(keep="last") & (ids != "")).to_numpy()


def score_chunk(
    frame: pd.DataFrame,
    version: ModelVersion,
    out: IO[bytes],
    *,
    dataset: Dataset,
    cells: pd.DataFrame | None = None,
    first_row: int = 0,
    store: np.ndarray | None = None,
    progress: Callable[[int], None] = lambda n_rows: None,
) -> int:
    """Score rows of an upload, store them as leads, and write each row to
    `out` with probability, tier and reasons appended; return the count.

    `cells` are the same rows as received (read_cells), which the download
    repeats; without them it holds the values read. `first_row` is the rows'
    position in the upload (the first chunk writes the header), `store` says
    which rows become leads (rows_to_store), and `progress` hears how many
    rows each step scored. A row whose external
    ID is already known updates and rescores that lead: its non-blank values
    replace the stored ones, and fields it lacks (such as answers sent later
    through the API) are kept and count in the score.
    """
    tiers = Tier.objects.ordered()
    id_column = identifier_column(dataset)
    store = rows_to_store(frame, id_column) if store is None else store
    cells = frame if cells is None else cells
    for start in range(0, len(frame), STEP_ROWS):
        rows = frame.iloc[start : start + STEP_ROWS]
        ids = _external_ids(rows, id_column)
        scored = _score_then_save(
            partial(_known_leads, set(ids) - {""}),
            partial(_score_upload_rows, rows, version, ids=ids),
            partial(
                _save_upload_rows,
                version,
                dataset,
                ids=ids,
                first_row=first_row + start,
                store=store[start : start + STEP_ROWS],
                tiers=tiers,
            ),
        )
        header = first_row + start == 0
        written = scored_rows(cells.iloc[start : start + STEP_ROWS], scored, tiers)
        write_safe_csv(written, out, header=header)
        progress(len(rows))
    logger.info("Dataset %s: scored %s rows", dataset.pk, len(frame))
    return len(frame)


def identifier_column(dataset: Dataset) -> str | None:
    """Return the upload's first identifier column, the lead's CRM ID."""
    for column in dataset.profile:
        if column["kind"] == "identifier":
            return column["name"]
    return None


def _external_ids(frame: pd.DataFrame, id_column: str | None) -> list[str]:
    if id_column is None or id_column not in frame:
        return [""] * len(frame)
    return [_id_text(value) for value in frame[id_column].tolist()]


def _upload_fields(
    rows: pd.DataFrame, ids: list[str], by_id: dict[str, Lead]
) -> tuple[list[dict], dict[int, Lead]]:
    """Return each row's fields to store, and the known lead of each row
    that has one (by position); a known lead's fields are merged in."""
    fields = [_plain_fields(row) for row in rows.to_dict("records")]
    known = {i: by_id[ext] for i, ext in enumerate(ids) if ext in by_id}
    for i, lead in known.items():
        given = {k: v for k, v in fields[i].items() if v is not None}
        fields[i] = {**lead.fields, **given}
    return fields, known


def _score_with_known_fields(
    version: ModelVersion, rows: pd.DataFrame, fields: list[dict], known: dict
) -> pd.DataFrame:
    """Return predict_leads' results for the rows; a known lead whose stored
    fields fill in a model column the row leaves blank is scored on its
    merged fields instead, as the API would score it."""
    scored = predict_leads(version, rows)
    own = rows.to_dict("records") if known else []
    fuller = [
        i
        for i in known
        if any(
            _is_blank(own[i].get(c)) and fields[i].get(c) is not None
            for c in version.feature_columns
        )
    ]
    if not fuller:
        return scored
    again = predict_leads(version, pd.DataFrame([fields[i] for i in fuller]))
    proba = scored["probability"].to_numpy(copy=True)
    reasons = scored["reasons"].tolist()
    for i, p, r in zip(fuller, again["probability"], again["reasons"]):
        proba[i], reasons[i] = p, r
    return pd.DataFrame({"probability": proba, "reasons": reasons}, index=rows.index)


def _score_upload_rows(
    rows: pd.DataFrame, version: ModelVersion, by_id: dict[str, Lead], *, ids: list
) -> tuple:
    """Return the rows' fields, their known leads and predict_leads' results."""
    fields, known = _upload_fields(rows, ids, by_id)
    return fields, known, _score_with_known_fields(version, rows, fields, known)


def _save_upload_rows(
    version: ModelVersion,
    dataset: Dataset,
    plan: tuple,
    *,
    ids: list[str],
    first_row: int,
    store: np.ndarray,
    tiers: list[Tier],
) -> pd.DataFrame:
    """Save the rows to store as leads (known ones updated); return
    predict_leads' results for every row."""
    fields, known, scored = plan
    now, leads = timezone.now(), []
    probas, reasons = scored["probability"].tolist(), scored["reasons"].tolist()
    for i in np.flatnonzero(store).tolist():
        lead = known.get(i) or Lead(external_id=ids[i])
        lead.dataset, lead.source = dataset, dataset.original_name
        lead.row_number, lead.fields = first_row + i + 1, fields[i]
        lead.probability, lead.reasons = probas[i], reasons[i]
        lead.tier, lead.model_version = assign_tier(probas[i], tiers), version
        lead.scored_at = now
        leads.append(lead)
    _save_upload_leads(leads, dataset)
    return scored


def _save_upload_leads(leads: list[Lead], dataset: Dataset) -> None:
    new = [lead for lead in leads if lead.pk is None]
    old = [lead for lead in leads if lead.pk is not None]
    with transaction.atomic():
        insert_new(new)
        if old:
            Lead.objects.bulk_update(old, UPLOADED_FIELDS, batch_size=BATCH)
        scores = [_score_of(lead) for lead in leads]
        insert_new(scores)
        if dataset.purpose == Dataset.Purpose.NEW_LEADS:
            # New leads get their tier's follow-up like leads from the API;
            # the open leads of a history are only ranked, never contacted.
            from routing.deliveries import route_scores  # deliveries import this

            route_scores(scores)


def _external_id(row: dict, id_column: str | None) -> str:
    return _id_text(row.get(id_column) if id_column else None)


def _id_text(value: object) -> str:
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
    owners = find_owners({item.owner for item in incoming} - {""})
    return _score_then_save(
        partial(_known_leads, {item.external_id for item in incoming} - {""}),
        partial(_merge_and_score, incoming, version, owners, source),
        _save_incoming,
    )


def _merge_and_score(
    incoming: list[IncomingLead],
    version: ModelVersion,
    owners: dict,
    source: str,
    known: dict[str, Lead],
) -> list[Lead]:
    """Return a lead per lead sent, the known ones with the sent fields merged
    in (one lead for an ID sent twice), each scored but not saved."""
    known, leads = dict(known), []
    for item in incoming:
        lead = known.get(item.external_id) or Lead(
            external_id=item.external_id, source=source, probability=0.0
        )
        _merge(lead, item, owners)
        if item.external_id:
            known[item.external_id] = lead
        leads.append(lead)
    score_leads(_distinct(leads), version)
    return leads


def _save_incoming(leads: list[Lead]) -> list[Score]:
    scores = save_scored(_distinct(leads))
    by_lead = {id(score.lead): score for score in scores}
    return [by_lead[id(lead)] for lead in leads]


def _distinct(leads: list[Lead]) -> list[Lead]:
    return list({id(lead): lead for lead in leads}.values())


def _score_then_save(
    read: Callable[..., dict[str, Lead]],
    score: Callable[[dict[str, Lead]], T],
    save: Callable[[T], R],
) -> R:
    """Score leads with the known ones among them, then save them.

    `read(lock=...)` returns the stored leads concerned, by external ID. The
    scoring (the slow part) runs outside any transaction, on the known
    leads as read. The saving runs in a short one that reads them again,
    locked: if another request changed one meanwhile, they are scored again
    from what it stored, so no request's fields are lost, and no lock is
    held while a model scores in the common case. Should another request
    store one of the same new leads first (the one lead per external ID
    rule refuses ours), it is all done once more, finding that lead.
    """
    known = read(lock=False)
    seen, plan = _state_of(known), score(known)
    for attempt in range(2):
        try:
            with transaction.atomic():
                fresh = read(lock=True)
                if _state_of(fresh) != seen:
                    seen, plan = _state_of(fresh), score(fresh)
                return save(plan)
        except IntegrityError:
            if attempt:
                raise
            logger.info("A lead was stored by another request meanwhile; again")
            seen = None  # score again from what is stored now
    raise AssertionError("unreachable")


def _state_of(known: dict[str, Lead]) -> dict:
    """Return what scoring a known lead reads from it, to tell a change."""
    return {
        external_id: (lead.pk, dict(lead.fields), lead.owner_id)
        for external_id, lead in known.items()
    }


def add_to_lead(lead: Lead, item: IncomingLead, version: ModelVersion) -> Score:
    """Merge fields sent for a known lead (found by its own id) into it, as
    score_incoming merges a lead found by external ID; rescore it."""
    owners = find_owners({item.owner} - {""})

    def read(lock: bool) -> dict[str, Lead]:
        # The lead as found first; locked, as stored by then.
        return {"": Lead.objects.select_for_update().get(pk=lead.pk) if lock else lead}

    def merged(known: dict[str, Lead]) -> Lead:
        _merge(known[""], item, owners)
        score_leads([known[""]], version)
        return known[""]

    return _score_then_save(read, merged, lambda scored: save_scored([scored])[0])


def _merge(lead: Lead, item: IncomingLead, owners: dict[str, object]) -> None:
    """Each field sent replaces the stored one (null clears it); an owner who
    is no active user leaves the owner as it was, and is reported ignored."""
    lead.fields = {**lead.fields, **item.fields}
    lead.owner = owners.get(item.owner.lower(), lead.owner)
    unknown_owner = item.owner and item.owner.lower() not in owners
    if unknown_owner and OWNER not in item.ignored:
        item.ignored.append(OWNER)


def rescore(leads: list[Lead], version: ModelVersion) -> list[Score]:
    """Score the leads' current fields, save each with a new Score, route them."""
    score_leads(leads, version)
    return save_scored(leads)


def score_leads(leads: list[Lead], version: ModelVersion) -> None:
    """Set each lead's probability, reasons and tier from its fields; save
    nothing."""
    tiers = Tier.objects.ordered()
    frame = pd.DataFrame([lead.fields for lead in leads], index=range(len(leads)))
    scored = predict_leads(version, frame)
    now = timezone.now()
    for lead, proba, reasons in zip(leads, scored["probability"], scored["reasons"]):
        lead.probability, lead.reasons = float(proba), reasons
        lead.tier, lead.model_version = assign_tier(proba, tiers), version
        lead.scored_at = now


def save_scored(leads: list[Lead]) -> list[Score]:
    """Save scored leads (new ones inserted) with a Score each; route them."""
    from routing.deliveries import route_scores  # deliveries import this module

    new = [lead for lead in leads if lead.pk is None]
    old = [lead for lead in leads if lead.pk is not None]
    with transaction.atomic():
        insert_new(new)
        if old:
            Lead.objects.bulk_update(old, RESCORED_FIELDS, batch_size=BATCH)
        scores = [_score_of(lead) for lead in leads]
        insert_new(scores)
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
# A known lead found again in an upload moves to that upload.
UPLOADED_FIELDS = [
    *(f for f in RESCORED_FIELDS if f != "owner"),
    "dataset",
    "row_number",
    "source",
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


def _known_leads(external_ids: set[str], *, lock: bool = False) -> dict[str, Lead]:
    """Return the stored leads with these external IDs; with `lock`, locked
    until the transaction ends (PostgreSQL; SQLite's writers queue anyway).

    Locked rows are taken in the order of their keys, the same in every
    request, so two requests locking overlapping leads never deadlock.
    """
    if not external_ids:
        return {}
    ids = sorted(external_ids)
    chunks = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    if not lock:
        return {
            lead.external_id: lead
            for chunk in chunks
            for lead in Lead.objects.filter(external_id__in=chunk).order_by("pk")
        }
    keys = sorted(
        key
        for chunk in chunks
        for key in Lead.objects.filter(external_id__in=chunk).values_list(
            "pk", flat=True
        )
    )
    found = {}
    for start in range(0, len(keys), BATCH):
        locked = Lead.objects.select_for_update().filter(
            pk__in=keys[start : start + BATCH]
        )
        found.update((lead.external_id, lead) for lead in locked.order_by("pk"))
    return found


def find_owners(names: set[str]) -> dict[str, object]:
    """Return the active users named (by username or e-mail, in any case),
    keyed by the lowercased name."""
    if not names:
        return {}
    lowered = {name.lower() for name in names}
    users = (
        get_user_model()
        .objects.annotate(low_name=Lower("username"), low_email=Lower("email"))
        .filter(Q(low_name__in=lowered) | Q(low_email__in=lowered), is_active=True)
    )
    found = {}
    for user in users:
        for key in (user.username.lower(), user.email.lower()):
            if key in lowered:
                found[key] = user
    return found


def record_outcome(lead: Lead, outcome: str, when: datetime | None = None) -> None:
    """Record that a lead was won or lost on `when` (now by default), or
    reopen it with a blank outcome."""
    now = timezone.now()
    lead.outcome = outcome
    lead.outcome_at = (when or now) if outcome else None
    lead.outcome_recorded_at = now if outcome else None
    lead.save(update_fields=["outcome", "outcome_at", "outcome_recorded_at"])
    logger.info("Lead %s: outcome %s", lead.pk, outcome or "reopened")
