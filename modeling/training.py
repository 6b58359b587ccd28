"""Train a model on the leads with an outcome and measure it honestly."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from modeling.errors import TrainingError
from modeling.features import BLANK, prepare_features
from modeling.pipeline import build_pipeline

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

MIN_PER_CLASS = 10
TEST_SHARE = 0.2
# Permutation importance is measured on at most this many held-out rows:
# enough for a stable ranking, bounded time on large files.
IMPORTANCE_ROWS = 2000


@dataclass
class TrainedModel:
    pipeline: Pipeline
    metrics: dict
    importances: list[dict]
    baseline_row: dict
    holdout: dict


def check_trainable(y: pd.Series) -> None:
    """Raise TrainingError when the outcomes cannot support a model."""
    n_converted = int((y == 1).sum())
    n_not = int((y == 0).sum())
    if n_converted + n_not == 0:
        raise TrainingError(
            "No lead in this file has an outcome under the chosen mapping. "
            "Check the outcome column and which values mean converted."
        )
    if n_converted == 0 or n_not == 0:
        raise TrainingError(
            "Every lead with an outcome has the same one, so there is nothing "
            "to learn. Check which values mean converted, or add leads of "
            "the other kind."
        )
    if min(n_converted, n_not) < MIN_PER_CLASS:
        raise TrainingError(
            f"Only {min(n_converted, n_not)} leads have the rarer outcome; a "
            f"model needs at least {MIN_PER_CLASS} of each. Add more history."
        )


def train_and_evaluate(
    frame: pd.DataFrame,
    y: pd.Series,
    kinds: dict[str, str],
    algorithm: str,
    *,
    random_state: int = 0,
    progress: Progress | None = None,
) -> TrainedModel:
    """Fit on 80% of the leads, measure on the other 20%, then refit on all.

    `frame` holds the leads with an outcome, `y` their outcome as 0/1, and
    `kinds` the feature columns to use with their kind.
    """
    report = progress or (lambda percent, stage: None)
    check_trainable(y)
    X = prepare_features(frame, kinds)
    y = y.astype(int)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SHARE, stratify=y, random_state=random_state
    )

    report(20, "Training on 80% of the leads")
    pipeline = build_pipeline(kinds, algorithm, random_state=random_state)
    pipeline.fit(X_train, y_train)

    report(45, "Measuring accuracy on the 20% held back")
    test_proba = proba_for(pipeline, X_test)
    metrics = evaluate(pipeline, X_test, y_test)
    metrics["n_train"], metrics["n_test"] = len(X_train), len(X_test)

    report(60, "Finding what drives conversion")
    importances = column_importances(pipeline, X_test, y_test, random_state)

    report(80, "Training the final model on every lead")
    final = build_pipeline(kinds, algorithm, random_state=random_state)
    final.fit(X, y)
    single_threaded(final)
    holdout = {"proba": test_proba.round(5).tolist(), "y": y_test.tolist()}
    return TrainedModel(final, metrics, importances, typical_row(X), holdout)


def single_threaded(pipeline: Pipeline) -> None:
    """Predict on one thread: scoring one lead is faster without a thread
    pool, and web and worker processes already run side by side."""
    classifier = pipeline.named_steps["classifier"]
    if "n_jobs" in classifier.get_params():
        classifier.set_params(n_jobs=1)


def evaluate(pipeline: Pipeline, X: pd.DataFrame, y: pd.Series) -> dict:
    """Return the held-out metrics the model page and the shell report."""
    proba = pipeline.predict_proba(X)[:, 1]
    predicted = (proba >= 0.5).astype(int)
    rate = float(y.mean())
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    return {
        "roc_auc": float(roc_auc_score(y, proba)),
        "pr_auc": float(average_precision_score(y, proba)),
        "accuracy": float(accuracy_score(y, predicted)),
        # What a model that always says "not converted" would score.
        "baseline_accuracy": max(rate, 1 - rate),
        "brier": float(brier_score_loss(y, proba)),
        "conversion_rate": rate,
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
    }


def column_importances(
    pipeline: Pipeline, X: pd.DataFrame, y: pd.Series, random_state: int
) -> list[dict]:
    """Return each original column's permutation importance, largest first.

    Shuffling a whole input column (not one dummy of it) answers the
    business question: how much worse is the model without this column?
    """
    if len(X) > IMPORTANCE_ROWS:
        X, _, y, _ = train_test_split(
            X, y, train_size=IMPORTANCE_ROWS, stratify=y, random_state=random_state
        )
    result = permutation_importance(
        pipeline, X, y, scoring="roc_auc", n_repeats=3,
        random_state=random_state, n_jobs=1,
    )
    ranked = sorted(
        zip(X.columns, result.importances_mean, result.importances_std),
        key=lambda item: item[1],
        reverse=True,
    )
    return [
        {"column": column, "importance": round(float(mean), 5),
         "spread": round(float(std), 5)}
        for column, mean, std in ranked
    ]


def typical_row(X: pd.DataFrame) -> dict:
    """Return a typical lead: the median number and the most common value.

    Per-lead reasons compare a lead with this row.
    """
    row = {}
    for column in X.columns:
        values = X[column].dropna()
        if pd.api.types.is_numeric_dtype(values):
            row[column] = float(values.median()) if len(values) else None
        elif pd.api.types.is_datetime64_any_dtype(values):
            row[column] = values.median().isoformat() if len(values) else None
        else:
            modes = values.mode()
            row[column] = str(modes.iloc[0]) if len(modes) else BLANK
    return row


def split_by_outcome(
    frame: pd.DataFrame, y: pd.Series
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Return (leads with an outcome, their outcome, leads still open)."""
    known = y.notna().to_numpy()
    return frame[known], y[known], frame[~known]


def proba_for(pipeline: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """Return the chance of converting for each prepared row."""
    return pipeline.predict_proba(X)[:, 1]
