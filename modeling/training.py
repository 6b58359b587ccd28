"""Train a model on the leads with an outcome and measure it honestly."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from leadscore_site.words import HAVE, leads
from modeling.errors import TrainingError
from modeling.explain import split_model
from modeling.features import BLANK, prepare_features
from modeling.metrics import curves, evaluate, rank_auc
from modeling.next_tier import candidate_values
from modeling.pipeline import ALGORITHMS, fit_calibrated, single_threaded
from modeling.segments import find_segments
from modeling.validation import (
    LARGE_FILE_ROWS,
    Validation,
    plan_validation,
    shuffled_split,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

MIN_PER_CLASS = 10
# Permutation importance is measured on at most this many held-out rows:
# enough for a stable ranking, bounded time on large files.
IMPORTANCE_ROWS = 1000
IMPORTANCE_REPEATS = 3
# Shuffled rows predicted per call: bounds memory on wide files.
SHUFFLED_ROWS = 10_000
DEFAULT_THRESHOLDS = {"Hot": 0.7, "Warm": 0.3}
# "Automatic" stops testing an algorithm on a large file when its first fold
# trails the best first fold by more than this much ROC AUC.
SCREEN_MARGIN = 0.01


@dataclass
class Candidate:
    algorithm: str
    positions: np.ndarray
    proba: np.ndarray
    model: BaseEstimator
    split: tuple[np.ndarray, np.ndarray]
    auc: float
    # False when validation stopped after the first fold (see
    # validate_candidates): its AUC is that fold's alone.
    complete: bool = True


@dataclass
class TrainedModel:
    model: BaseEstimator
    algorithm: str
    metrics: dict
    validation: dict
    importances: list[dict]
    segments: list[dict]
    baseline_row: dict
    holdout: dict
    curves: dict
    candidates: dict = field(default_factory=dict)
    # The values "next tier" tries per changeable column (next_tier.py).
    changes: dict = field(default_factory=dict)


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
            f"Only {leads(min(n_converted, n_not), HAVE)} the rarer outcome; a "
            f"model needs at least {MIN_PER_CLASS} of each. Add more history."
        )


def train_and_evaluate(
    frame: pd.DataFrame,
    y: pd.Series,
    kinds: dict[str, str],
    algorithm: str,
    *,
    order: pd.Series | None = None,
    thresholds: dict[str, float] | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> TrainedModel:
    """Validate, explain and fit a calibrated model on the leads with an outcome.

    `frame` holds those leads, `y` their outcome as 0/1, `kinds` the feature
    columns with their kind, `order` their time when known (then validation
    is time-based), `algorithm` one of ALGORITHMS or "auto" (the best by
    validated ROC AUC).
    """
    # Matrix products and gradient boosting run on one thread: on two cores
    # shared with the web process and other workers, their extra threads
    # mostly spin waiting for each other (on 100,000 rows a logistic fit ran
    # 2 times, the segment counts 20 times and boosting 5-15 times slower
    # with two). A forest's own worker threads do not spin, and keep two.
    with threadpool_limits(limits=1):
        return _train_and_evaluate(
            frame,
            y,
            kinds,
            algorithm,
            order=order,
            thresholds=thresholds,
            random_state=random_state,
            progress=progress,
        )


def _train_and_evaluate(
    frame: pd.DataFrame,
    y: pd.Series,
    kinds: dict[str, str],
    algorithm: str,
    *,
    order: pd.Series | None,
    thresholds: dict[str, float] | None,
    random_state: int,
    progress: Progress | None,
) -> TrainedModel:
    report = progress or (lambda percent, stage: None)
    check_trainable(y)
    X = prepare_features(frame, kinds).reset_index(drop=True)
    y_all = y.to_numpy().astype(int)
    order = None if order is None else order.reset_index(drop=True)
    validation = plan_validation(
        pd.Series(y_all), order=order, random_state=random_state
    )

    names = ALGORITHMS if algorithm == "auto" else (algorithm,)
    candidates = validate_candidates(kinds, names, X, y_all, validation, report)
    best = max((c for c in candidates if c.complete), key=lambda c: c.auc)
    held_y = y_all[best.positions]
    metrics = evaluate(held_y, best.proba, thresholds=thresholds or DEFAULT_THRESHOLDS)
    if validation.kind == "time":
        report(62, "Comparing with a shuffled test")
        metrics["shuffled_roc_auc"] = shuffled_auc(kinds, best.algorithm, X, y_all)

    report(70, "Finding what drives conversion")
    train, test = best.split
    importances = column_importances(
        best.model, X.iloc[test], y_all[test], random_state
    )
    add_directions(importances, X, y_all)
    report(78, "Looking for groups of leads that convert far above average")
    segments = find_segments(X, pd.Series(y_all), train, test)

    report(85, "Training the final model on every lead")
    final = fit_calibrated(
        kinds, best.algorithm, X, pd.Series(y_all), random_state=random_state
    )
    single_threaded(final)
    return TrainedModel(
        model=final,
        algorithm=best.algorithm,
        metrics=metrics,
        validation=validation.to_dict(),
        importances=importances,
        segments=segments,
        baseline_row=typical_row(X),
        holdout={"proba": best.proba.round(5).tolist(), "y": held_y.tolist()},
        curves=curves(held_y, best.proba),
        candidates={c.algorithm: round(c.auc, 4) for c in candidates},
        changes=candidate_values(X, kinds),
    )


def validate_candidates(
    kinds: dict[str, str],
    names: tuple[str, ...],
    X: pd.DataFrame,
    y: np.ndarray,
    validation: Validation,
    report: Progress,
) -> list[Candidate]:
    """Validate each algorithm in `names`, in that order.

    On a large file, an algorithm whose first fold trails the best first
    fold by more than SCREEN_MARGIN is not tested on the other folds: with
    thousands of test leads per fold such a gap does not close, and testing
    it further only costs time. It stays in the list, `complete` False.
    """
    splits = validation.splits
    steps = FoldSteps(report, len(names) * len(splits), len(splits))
    if len(names) == 1 or len(splits) == 1 or len(y) < LARGE_FILE_ROWS:
        return [validate(kinds, name, X, y, splits, steps) for name in names]

    first = [validate(kinds, name, X, y, splits[:1], steps) for name in names]
    leader = max(c.auc for c in first)
    trailing = {c.algorithm for c in first if c.auc < leader - SCREEN_MARGIN}
    steps.total -= len(trailing) * (len(splits) - 1)
    if trailing:
        logger.info("Validation: %s trailed after one fold", sorted(trailing))
    return [
        replace(c, complete=False)
        if c.algorithm in trailing
        else joined(
            c, validate(kinds, c.algorithm, X, y, splits[1:], steps, first=2), y
        )
        for c in first
    ]


@dataclass
class FoldSteps:
    """Reports progress through every fold of every algorithm tested."""

    report: Progress
    total: int
    n_folds: int
    done: int = 0

    def next(self, algorithm: str, fold: int) -> None:
        label = f"Testing {algorithm}: fold {fold} of {self.n_folds}"
        self.report(10 + int(50 * self.done / self.total), label)
        self.done += 1


def validate(
    kinds: dict[str, str],
    algorithm: str,
    X: pd.DataFrame,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    steps: FoldSteps,
    *,
    first: int = 1,
) -> Candidate:
    """Score every test lead of every split with a model that never saw it.

    `first` is the number of the first split among all the folds.
    """
    positions, probas = [], []
    for fold, (train, test) in enumerate(splits, start=first):
        steps.next(algorithm, fold)
        model = fit_calibrated(kinds, algorithm, X.iloc[train], pd.Series(y[train]))
        positions.append(test)
        probas.append(model.predict_proba(X.iloc[test])[:, 1])
    positions, proba = np.concatenate(positions), np.concatenate(probas)
    auc = float(roc_auc_score(y[positions], proba))
    return Candidate(algorithm, positions, proba, model, (train, test), auc)


def joined(first: Candidate, rest: Candidate, y: np.ndarray) -> Candidate:
    """Return one candidate validated on the folds of both."""
    positions = np.concatenate([first.positions, rest.positions])
    proba = np.concatenate([first.proba, rest.proba])
    auc = float(roc_auc_score(y[positions], proba))
    return replace(rest, positions=positions, proba=proba, auc=auc)


def shuffled_auc(
    kinds: dict[str, str], algorithm: str, X: pd.DataFrame, y: np.ndarray
) -> float:
    """Return the AUC a shuffled split gives, to show what time order costs."""
    train, test = shuffled_split(pd.Series(y))
    model = fit_calibrated(kinds, algorithm, X.iloc[train], pd.Series(y[train]))
    return float(roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1]))


def column_importances(
    model: BaseEstimator, X: pd.DataFrame, y: np.ndarray, random_state: int
) -> list[dict]:
    """Return each original column's permutation importance, largest first.

    Shuffling a whole input column (not one dummy of it) answers the
    business question: how much worse is the model without this column?
    Importance is the drop in ROC AUC, its spread the standard deviation
    over IMPORTANCE_REPEATS shuffles.
    """
    if len(X) > IMPORTANCE_ROWS:
        X, _, y, _ = train_test_split(
            X, y, train_size=IMPORTANCE_ROWS, stratify=y, random_state=random_state
        )
    X = X.reset_index(drop=True)
    proba, shuffled = ranking_predictions(model, X, random_state)
    drops = rank_auc(y, proba) - np.apply_along_axis(
        lambda p: rank_auc(y, p), 2, shuffled
    )
    ranked = sorted(
        zip(X.columns, drops.mean(1), drops.std(1), strict=True),
        key=lambda item: item[1],
        reverse=True,
    )
    return [
        {
            "column": column,
            "importance": round(float(mean), 5),
            "spread": round(float(std), 5),
        }
        for column, mean, std in ranked
    ]


def ranking_predictions(
    model: BaseEstimator, X: pd.DataFrame, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ranking model's predictions for X, then for X with one
    column shuffled at a time (shaped as shuffled_predictions shapes them).

    Calibration is monotonic, so it cannot change a ranking: scrambling is
    measured without it, which predicts faster. A model split_model can take
    apart preprocesses X once and shuffles each column's preprocessed block
    (every row of it moving together); any other model gets shuffled copies
    of X through its whole pipeline. Both see the same shuffles.
    """
    parts = split_model(model, list(X.columns))
    if parts is None:
        pipeline = ranking_model(model)
        proba = pipeline.predict_proba(X)[:, 1]
        return proba, shuffled_predictions(pipeline, X, random_state)
    Z = parts.preprocess.transform(X)
    proba = parts.classifier.predict_proba(Z)[:, 1]
    shuffled = shuffled_block_predictions(
        parts.classifier, Z, parts.blocks, random_state
    )
    return proba, shuffled


def shuffled_block_predictions(
    classifier: BaseEstimator,
    Z: np.ndarray | sparse.spmatrix,
    blocks: list[np.ndarray],
    random_state: int,
) -> np.ndarray:
    """Return predictions for preprocessed rows Z with one block of columns
    shuffled at a time, shaped (blocks, IMPORTANCE_REPEATS, rows).

    The random draws are shuffled_predictions' own, in the same order.
    """
    rng = np.random.default_rng(random_state)
    n_rows, n_copies = Z.shape[0], IMPORTANCE_REPEATS
    per_call = max(1, SHUFFLED_ROWS // (n_rows * n_copies))
    stack = sparse.vstack if sparse.issparse(Z) else np.vstack
    proba = []
    for first in range(0, len(blocks), per_call):
        copies = [
            shuffled_block(Z, block, rng.permutation(n_rows))
            for block in blocks[first : first + per_call]
            for _ in range(n_copies)
        ]
        proba.append(classifier.predict_proba(stack(copies))[:, 1])
    return np.concatenate(proba).reshape(len(blocks), n_copies, n_rows)


def shuffled_block(
    Z: np.ndarray | sparse.spmatrix, block: np.ndarray, order: np.ndarray
) -> np.ndarray | sparse.spmatrix:
    """Return a copy of Z with the columns in `block` taken from its rows in
    `order`: the rows of one input column's block move together."""
    if not sparse.issparse(Z):
        shuffled = Z.copy()
        shuffled[:, block] = Z[np.ix_(order, block)]
        return shuffled
    inside = np.zeros(Z.shape[1])
    inside[block] = 1.0
    # Multiplying by exact ones and zeros leaves every value as it was.
    return Z @ sparse.diags(1.0 - inside) + Z[order] @ sparse.diags(inside)


def shuffled_predictions(
    pipeline: BaseEstimator, X: pd.DataFrame, random_state: int
) -> np.ndarray:
    """Return predictions with one column shuffled at a time, shaped
    (columns, IMPORTANCE_REPEATS, rows).

    The shuffled copies of many columns go through the model in one call:
    the cost per call, not per row, is what made column-by-column slow.
    """
    rng = np.random.default_rng(random_state)
    n_rows, n_copies = len(X), IMPORTANCE_REPEATS
    per_call = max(1, SHUFFLED_ROWS // (n_rows * n_copies))
    proba = []
    for first in range(0, X.shape[1], per_call):
        columns = list(X.columns[first : first + per_call])
        copies = shuffled_copies(X, columns, n_copies, rng)
        proba.append(pipeline.predict_proba(copies)[:, 1])
    return np.concatenate(proba).reshape(X.shape[1], n_copies, n_rows)


def shuffled_copies(
    X: pd.DataFrame, columns: list[str], n_copies: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Return n_copies of X per column in `columns`, that column shuffled in
    each: the copies for the first column come first."""
    n_rows, n_blocks = len(X), len(columns) * n_copies
    stacked = {}
    for name in X.columns:
        values = X[name].to_numpy()
        tiled = np.tile(values, n_blocks)
        if name in columns:
            at = columns.index(name) * n_copies * n_rows
            for copy in range(n_copies):
                block = slice(at + copy * n_rows, at + (copy + 1) * n_rows)
                tiled[block] = values[rng.permutation(n_rows)]
        stacked[name] = pd.Series(tiled, dtype=X[name].dtype)
    return pd.DataFrame(stacked)


def ranking_model(model: BaseEstimator) -> BaseEstimator:
    """Return the pipeline inside a calibrated model (or the model itself)."""
    inner = getattr(model, "calibrated_classifiers_", None)
    if not inner:
        return model
    estimator = inner[0].estimator
    return getattr(estimator, "estimator", estimator)


def add_directions(importances: list[dict], X: pd.DataFrame, y: np.ndarray) -> None:
    """Add to each importance which values raise and which lower the chance."""
    for item in importances:
        raises, lowers = value_directions(X[item["column"]], y)
        item["raises"], item["lowers"] = raises, lowers


def value_directions(values: pd.Series, y: np.ndarray) -> tuple[list[str], list[str]]:
    """Return short phrases for the values converting above and below average."""
    average = y.mean()
    if pd.api.types.is_numeric_dtype(values):
        filled = values.notna().to_numpy()
        if filled.sum() < 20 or values.nunique() < 2:
            return [], []
        high = values >= values.quantile(0.75)
        low = values <= values.quantile(0.25)
        high_rate = y[high.to_numpy() & filled].mean()
        low_rate = y[low.to_numpy() & filled].mean()
        if abs(high_rate - low_rate) < 0.02:
            return [], []
        return (
            (["higher values"], ["lower values"])
            if high_rate > low_rate
            else (["lower values"], ["higher values"])
        )
    if not pd.api.types.is_object_dtype(values):
        return [], []
    rates = (
        pd.DataFrame({"v": values.to_numpy(), "y": y})
        .groupby("v")["y"]
        .agg(["mean", "size"])
    )
    rates = rates[rates["size"] >= max(20, len(y) // 100)]
    label = lambda v: "blank" if v == BLANK else str(v)  # noqa: E731
    up = rates[rates["mean"] >= average * 1.2].sort_values("mean", ascending=False)
    down = rates[rates["mean"] <= average * 0.8].sort_values("mean")
    return [label(v) for v in up.index[:3]], [label(v) for v in down.index[:3]]


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
