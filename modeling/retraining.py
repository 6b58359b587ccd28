"""Retrain on the original history plus every outcome recorded since.

A retraining makes a challenger: a stored version that scores nothing until
someone (or the promotion rule) puts it in use.
"""

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datasets.intake import clean_table, load_uncleaned, outcome_of
from datasets.models import Dataset
from leadscore_site.words import HAVE, leads
from modeling.errors import TrainingError
from modeling.models import ModelVersion, TrainingRun
from modeling.runs import feature_kinds, store_version, tier_thresholds
from modeling.training import split_by_outcome, train_and_evaluate

logger = logging.getLogger(__name__)

# The newest share of the leads with an outcome, kept back to compare the
# challenger with the champion on leads neither learned from.
RECENT_SHARE = 0.2
MIN_RECENT = 30


@dataclass
class RetrainingSet:
    """The rows a retraining learns from, oldest first, and where they came from."""

    frame: pd.DataFrame
    y: pd.Series
    from_history: np.ndarray
    n_feedback: int


def identifier_column(dataset: Dataset) -> str | None:
    """Return the history's first identifier column, the lead's CRM ID."""
    for column in dataset.profile:
        if column["kind"] == "identifier":
            return column["name"]
    return None


def feedback_rows(dataset: Dataset, id_column: str | None) -> pd.DataFrame:
    """Return the stored leads with an outcome as rows of the history.

    Only leads scored by a model of this history join: a lead scored by a
    model of another upload has other columns, and would add blanks. The
    outcome is written with the history's own values, so the same mapping
    reads it; `__key` is the lead's ID, `__at` when the outcome came.
    """
    from routing.models import Lead  # routing builds on modeling

    leads = (
        Lead.objects.exclude(outcome="")
        .filter(model_version__dataset=dataset)
        .only("external_id", "fields", "outcome", "outcome_at", "scored_at")
    )
    won, lost = dataset.positive_values[0], dataset.negative_values[0]
    rows = []
    for lead in leads.order_by("outcome_at", "pk").iterator(chunk_size=2000):
        key = lead.external_id or str(lead.fields.get(id_column) or "")
        rows.append(
            {
                **lead.fields,
                dataset.target_column: won if lead.outcome == "won" else lost,
                "__key": key or f"lead-{lead.pk}",
                "__at": lead.outcome_at or lead.scored_at,
            }
        )
    return pd.DataFrame(rows)


def retraining_set(dataset: Dataset) -> RetrainingSet:
    """Return the history plus the outcomes since, one row per lead ID.

    A lead's newest outcome wins: it replaces the history's row with the same
    ID (often still open there) and any earlier outcome of that lead.
    """
    # Leads keep their fields as they arrived; the history's clean-up is
    # applied to both parts together, as training applies it.
    history = load_uncleaned(dataset)
    id_column = identifier_column(dataset)
    feedback = feedback_rows(dataset, id_column)
    if len(feedback):
        feedback = feedback.drop_duplicates("__key", keep="last")
        if id_column:
            known = set(feedback["__key"])
            history = history[~history[id_column].astype(str).isin(known)]
        feedback = feedback.reindex(columns=history.columns)
    frame = clean_table(pd.concat([history, feedback], ignore_index=True), dataset)
    labelled, y, _ = split_by_outcome(frame, outcome_of(dataset, frame))
    source = np.r_[np.ones(len(history), bool), np.zeros(len(feedback), bool)]
    from_history = source[y.index.to_numpy()]
    return RetrainingSet(
        labelled.reset_index(drop=True),
        y.reset_index(drop=True),
        from_history,
        int((~from_history).sum()),
    )


def split_recent(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return positions to learn from and the newest ones kept back."""
    n_recent = max(MIN_RECENT, int(round(n * RECENT_SHARE)))
    if n - n_recent < MIN_RECENT:
        raise TrainingError(
            f"Only {leads(n, HAVE)} an outcome: too few to retrain and still keep "
            "recent leads back to compare the models. Record more outcomes."
        )
    positions = np.arange(n)
    return positions[:-n_recent], positions[-n_recent:]


def train_challenger(run: TrainingRun, champion: ModelVersion | None) -> ModelVersion:
    """Train a new version on the retraining set without putting it in use.

    It learns from all but the newest leads with an outcome; those are kept
    back so it and the champion are compared on the same unseen leads.
    """
    from modeling.comparison import compare_versions  # it scores with versions

    started = time.monotonic()
    dataset = run.dataset
    if not dataset.is_mapped:
        raise TrainingError("The history behind the model has no outcome column.")
    data = retraining_set(dataset)
    learn, recent = split_recent(len(data.y))
    kinds = feature_kinds(dataset)

    run.report_progress(5, f"Learning from {len(learn):,} leads")
    trained = train_and_evaluate(
        data.frame.iloc[learn],
        data.y.iloc[learn],
        kinds,
        run.algorithm,
        thresholds=tier_thresholds(),
        progress=run.report_progress,
    )
    run.report_progress(92, "Comparing with the model in use")
    version = store_version(
        run,
        trained,
        data.frame.iloc[learn],
        data.y.iloc[learn],
        kinds,
        seconds=time.monotonic() - started,
    )
    seen = (
        int(data.from_history[recent].sum())
        if champion and (champion.dataset_id == dataset.pk)
        else 0
    )
    compare_versions(
        version,
        champion,
        data.frame.iloc[recent],
        data.y.iloc[recent].to_numpy(),
        n_seen_by_champion=seen,
    )
    logger.info(
        "TrainingRun %s: challenger %s from %s leads (%s new outcomes)",
        run.pk,
        version.pk,
        len(learn),
        data.n_feedback,
    )
    return version
