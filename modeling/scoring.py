"""Compute conversion probabilities and reasons with a stored model."""

import logging
from functools import lru_cache

import pandas as pd
from sklearn.pipeline import Pipeline

from modeling.artifacts import load_pipeline
from modeling.explain import explain_rows
from modeling.features import prepare_features
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


def predict_leads(
    version: ModelVersion, frame: pd.DataFrame, *, with_reasons: bool = True
) -> pd.DataFrame:
    """Return a frame aligned with `frame`: `probability` and `reasons`.

    Columns the model never saw are ignored; columns it expects but the file
    lacks count as blank.
    """
    pipeline = pipeline_for(version)
    X = prepare_features(frame, version.column_kinds)
    if with_reasons:
        proba, reasons = explain_rows(pipeline, X, version.baseline_row)
    else:
        proba = pipeline.predict_proba(X)[:, 1]
        reasons = [[] for _ in range(len(X))]
    return pd.DataFrame({"probability": proba, "reasons": reasons}, index=frame.index)
