"""Compute conversion probabilities and reasons with a stored model."""

import logging
from functools import lru_cache

import pandas as pd
from sklearn.pipeline import Pipeline

from datasets.cleaning import CategoryTidier, tidiers_for, tidy_columns
from modeling.artifacts import load_pipeline
from modeling.errors import TrainingError
from modeling.explain import Explainer
from modeling.features import CATEGORY_KINDS, prepare_features
from modeling.models import ModelVersion

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _cached_pipeline(name: str, checksum: str, sklearn_version: str) -> Pipeline:
    # Keyed by checksum, so a cache entry can never serve another file; the
    # cache is per process and rebuilt on demand.
    return load_pipeline(name, checksum, {"scikit-learn": sklearn_version})


def pipeline_for(version: ModelVersion) -> Pipeline:
    """Return the version's fitted pipeline, checked and cached."""
    return _cached_pipeline(
        version.artifact.name,
        version.checksum,
        version.library_versions.get("scikit-learn", ""),
    )


@lru_cache(maxsize=4)
def _explainer(checksum: str, version: ModelVersion) -> Explainer:
    # Keyed by the artifact's checksum, like the pipeline it explains.
    return Explainer(pipeline_for(version), version.baseline_row)


# What scoring reads of a version. The large JSON columns (hold-out scores,
# curves, drift reference) stay in the database: reading them took longer
# than scoring a lead.
SCORING_FIELDS = (
    "algorithm",
    "feature_columns",
    "column_kinds",
    "baseline_row",
    "artifact",
    "checksum",
    "library_versions",
    "cleanup",
)


def active_scoring_version() -> ModelVersion | None:
    """Return the active version with the fields scoring reads, or None.

    One small query says which version is active, so a promotion or a
    rollback counts from the next request on; the row itself is read once per
    process, since nothing scoring reads changes after training.
    """
    key = (
        ModelVersion.objects.filter(is_active=True)
        .values_list("pk", "artifact", "checksum")
        .first()
    )
    return None if key is None else _scoring_version(*key)


@lru_cache(maxsize=4)
def _scoring_version(pk: int, artifact: str, checksum: str) -> ModelVersion:
    # Keyed by the artifact too: a test database hands out an id again after
    # its rollback, and the key must then miss.
    return ModelVersion.objects.only(*SCORING_FIELDS).get(pk=pk)


# A file with fewer of the model's columns than this share is refused: its
# scores would all be the same guess, however confident they look.
MIN_SHARED_COLUMNS = 0.5


def check_columns(version: ModelVersion, columns: list[str]) -> list[str]:
    """Return the model's columns the file lacks; raise TrainingError when
    it lacks so many that scores would be meaningless."""
    missing = [c for c in version.feature_columns if c not in set(columns)]
    if len(missing) > len(version.feature_columns) * (1 - MIN_SHARED_COLUMNS):
        shown = ", ".join(missing[:5]) + (" and more" if len(missing) > 5 else "")
        raise TrainingError(
            f"This file lacks {len(missing)} of the {len(version.feature_columns)} "
            f"columns the model learned from ({shown}), so its scores would be "
            "guesses. Upload a file with the same columns as the lead history."
        )
    return missing


def predict_leads(
    version: ModelVersion, frame: pd.DataFrame, *, with_reasons: bool = True
) -> pd.DataFrame:
    """Return a frame aligned with `frame`: `probability` and `reasons`.

    Columns the model never saw are ignored; columns it expects but the file
    lacks count as blank.
    """
    pipeline = pipeline_for(version)
    tidiers = _tidiers(version.checksum, version)
    X = prepare_features(frame, version.column_kinds, tidiers)
    if with_reasons:
        proba, reasons = _explainer(version.checksum, version).explain(X)
    else:
        proba = pipeline.predict_proba(X)[:, 1]
        reasons = [[] for _ in range(len(X))]
    return pd.DataFrame({"probability": proba, "reasons": reasons}, index=frame.index)


def like_history(version: ModelVersion, frame: pd.DataFrame) -> pd.DataFrame:
    """Return leads' fields with the history's clean-up applied, as the model
    saw its training rows: merged spellings, rare values as "Other", and
    placeholders such as "Select" blank, whichever way the lead arrived."""
    return tidy_columns(frame, _tidiers(version.checksum, version))


@lru_cache(maxsize=4)
def _tidiers(checksum: str, version: ModelVersion) -> dict[str, CategoryTidier]:
    # Keyed by the artifact's checksum: the same model, the same clean-up.
    categories = [
        column
        for column, kind in version.column_kinds.items()
        if kind in CATEGORY_KINDS
    ]
    cleanup = version.cleanup or {}
    tidiers = tidiers_for(
        cleanup.get("merges", {}), cleanup.get("kept_values", {}), categories
    )
    return {column: tidiers[column] for column in categories}


def warm_up() -> None:
    """Load the active model into this process and score its typical lead.

    A web worker calls this before its first request, which would otherwise
    wait for the model file to load and for scikit-learn's first call.
    """
    try:
        version = active_scoring_version()
        if version is not None:
            predict_leads(version, pd.DataFrame([version.baseline_row]))
    except Exception:  # a worker without a model still serves every page
        logger.exception("Warming the active model up failed")
