"""Reasons, in plain words, for why one lead scored as it did."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

from modeling.features import BLANK, date_parts
from modeling.tree_paths import PackedTrees, pack_trees, tree_variants

# ModelParts.transform hands a few leads to transformers fitted on frames as
# arrays, in the fitted column order; scikit-learn warns that arrays carry no
# column names, which here is expected. (Filters are per process: the
# warning is silenced everywhere.)
warnings.filterwarnings(
    "ignore", message="X does not have valid feature names", category=UserWarning
)

TOP_REASONS = 3
# A change smaller than this (in probability) is not worth telling a rep.
MIN_EFFECT = 0.01
# Rows explained at a time when every variant goes through the whole model:
# each row becomes (columns + 1) rows, so this bounds memory on large files
# while keeping calls few. A tree model taken apart predicts its variants in
# slices of the same size.
CHUNK_ROWS = 2000
# Rows taken through a model's preprocessing at a time, when it is taken
# apart: one call per chunk of a scored file.
SPLIT_ROWS = 20_000
# Up to this many rows, a split model's transformers are called one by one.
FEW_ROWS = 64


def explain_rows(
    pipeline: BaseEstimator, X: pd.DataFrame, typical: dict, *, top: int = TOP_REASONS
) -> tuple[np.ndarray, list[list[dict]]]:
    """Return each row's probability and strongest reasons.

    A reason is a dict with `column`, `value`, `effect` (change in
    probability) and `text`. A column's effect is how much the lead's chance
    moves when that one value is replaced by a typical lead's value.
    """
    return Explainer(pipeline, typical).explain(X, top=top)


class Explainer:
    """Explains one model's scores against one typical lead; kept with a
    loaded model, so each lead scored later pays for its own rows only.

    The models `modeling.pipeline` builds are taken apart so that the rows go
    through the preprocessing once: a tree model then predicts only the
    variants that differ from the lead, and a linear model predicts none (a
    swapped column moves its decision by that column's share). Any other
    model gets the lead and all its variants in one prediction call.
    """

    def __init__(self, pipeline: BaseEstimator, typical: dict):
        self.pipeline, self.typical = pipeline, typical
        self._columns: list[str] | None = None
        self._parts: ModelParts | None = None
        # The typical lead preprocessed: the same for every lead.
        self._base: np.ndarray | None = None

    def explain(
        self, X: pd.DataFrame, *, top: int = TOP_REASONS
    ) -> tuple[np.ndarray, list[list[dict]]]:
        """Return each row's probability and strongest reasons."""
        parts = self._parts_for(X)
        step = CHUNK_ROWS if parts is None else SPLIT_ROWS
        probas, reasons = [], []
        for start in range(0, len(X), step):
            chunk = X.iloc[start : start + step]
            if parts is None:
                proba, effects = _effects(self.pipeline, chunk, self.typical)
            else:
                proba, effects = _split_effects(parts, chunk, self._base_for(chunk))
            probas.append(proba)
            reasons.extend(_reasons(chunk, effects, top))
        proba = np.concatenate(probas) if probas else np.empty(0)
        return proba, reasons

    def _parts_for(self, X: pd.DataFrame) -> ModelParts | None:
        columns = list(X.columns)
        if columns != self._columns:
            self._columns, self._base = columns, None
            self._parts = split_model(self.pipeline, columns)
        return self._parts

    def _base_for(self, X: pd.DataFrame) -> np.ndarray:
        if self._base is None:
            typical = _variants(X.iloc[:0], self.typical, typical_first=True)
            self._base = _dense(self._parts.preprocess.transform(typical))[0]
        return self._base


def _dense(Z) -> np.ndarray:
    return Z.toarray() if sparse.issparse(Z) else np.asarray(Z, dtype=float)


# --- any model: every variant through the whole model ----------------------


def _effects(
    pipeline: BaseEstimator, X: pd.DataFrame, typical: dict
) -> tuple[np.ndarray, np.ndarray]:
    n_rows, n_columns = len(X), len(X.columns)
    proba = pipeline.predict_proba(_variants(X, typical))[:, 1]
    own = proba[:n_rows]
    swapped = proba[n_rows:].reshape(n_columns, n_rows).T
    return own, own[:, None] - swapped


def _variants(X: pd.DataFrame, typical: dict, *, typical_first: bool = False):
    """Return X followed by one copy per column with that column typical.

    With `typical_first`, return the typical row followed by X instead.
    Built column by column with numpy rather than by copying frames, which
    matters when a single lead is scored through the API.
    """
    n_rows = len(X)
    n_copies = 1 if typical_first else len(X.columns) + 1
    columns = {}
    for j, column in enumerate(X.columns):
        values = X[column]
        array = values.to_numpy()
        if typical_first:
            tiled = np.empty(n_rows + 1, dtype=array.dtype)
            tiled[1:], block = array, slice(0, 1)
        else:
            tiled = np.tile(array, n_copies)
            block = slice((j + 1) * n_rows, (j + 2) * n_rows)
        tiled[block] = _typical_value(values, typical.get(column))
        columns[column] = pd.Series(tiled, dtype=values.dtype)
    return pd.DataFrame(columns)


def _typical_value(column: pd.Series, value: object) -> object:
    if pd.api.types.is_datetime64_any_dtype(column):
        return pd.Timestamp(value) if value else pd.NaT
    if pd.api.types.is_numeric_dtype(column):
        return np.nan if value is None else value
    return value if value is not None else BLANK


# --- our own models, taken apart ---------------------------------------------


@dataclass
class ModelParts:
    """A fitted model read apart: what turns a lead into numbers, what
    scores those numbers, and the calibration around them."""

    preprocess: ColumnTransformer
    classifier: BaseEstimator
    # The calibration's fitted parts; empty for an uncalibrated pipeline.
    calibrated: list
    # For each input column, the preprocessed columns computed from it alone.
    blocks: list[np.ndarray]
    # A forest's or boosting's trees in flat arrays, for walks of variants.
    trees: PackedTrees | None = None

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Return the preprocessed rows as a dense array.

        For a few rows each fitted transformer is called directly: the
        ColumnTransformer's own dispatch cost more than a lead's encoding.
        """
        if len(X) > FEW_ROWS:
            return _dense(self.preprocess.transform(X))
        blocks = []
        for name, transformer, columns in self.preprocess.transformers_:
            out = self.preprocess.output_indices_[name]
            if out.stop == out.start:
                continue  # dropped, or nothing left of it after fitting
            if transformer == "passthrough":
                blocks.append(X[columns].to_numpy(dtype=float))
            else:
                values = X[columns]
                if _takes_arrays(transformer):
                    # scikit-learn checks a frame column by column, which
                    # cost 2 ms of a single lead's 12.
                    values = values.to_numpy()
                blocks.append(_dense(transformer.transform(values)))
        return np.hstack(blocks)

    def membership(self) -> np.ndarray:
        """Return a (preprocessed columns x input columns) matrix of ones
        where a preprocessed column is computed from an input column."""
        width = sum(len(block) for block in self.blocks)
        members = np.zeros((width, len(self.blocks)))
        for j, block in enumerate(self.blocks):
            members[block, j] = 1.0
        return members


def _takes_arrays(transformer: object) -> bool:
    """Return whether the fitted transformer works the same on an array of
    its columns as on a frame (a date's parts need the frame)."""
    if isinstance(transformer, Pipeline):
        return all(_takes_arrays(step) for _, step in transformer.steps)
    return isinstance(
        transformer, (OneHotEncoder, OrdinalEncoder, SimpleImputer, StandardScaler)
    )


def split_model(model: BaseEstimator, columns: list[str]) -> ModelParts | None:
    """Return the model's parts, or None if it is not a shape we know.

    Known: a two-step pipeline (a ColumnTransformer of column-by-column
    transformers, then a classifier), bare or inside one calibration.
    """
    calibrated = list(getattr(model, "calibrated_classifiers_", []))
    pipelines = [_unfrozen(part.estimator) for part in calibrated] or [model]
    if len(pipelines) != 1 or not isinstance(pipelines[0], Pipeline):
        return None
    steps = pipelines[0].steps
    if len(steps) != 2 or not isinstance(steps[0][1], ColumnTransformer):
        return None
    blocks = _blocks(steps[0][1], columns)
    if blocks is None:
        return None
    classifier = steps[1][1]
    return ModelParts(
        steps[0][1], classifier, calibrated, blocks, pack_trees(classifier)
    )


def _unfrozen(estimator: BaseEstimator) -> BaseEstimator:
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


def _blocks(preprocess: ColumnTransformer, columns: list[str]) -> list | None:
    width = max((s.stop for s in preprocess.output_indices_.values()), default=0)
    owners = np.full(width, -1)
    for name, transformer, selected in preprocess.transformers_:
        out = preprocess.output_indices_[name]
        if out.stop == out.start:
            continue
        if not all(isinstance(c, str) and c in columns for c in selected):
            return None
        local = _owners(transformer, len(selected))
        if local is None or len(local) != out.stop - out.start:
            return None
        positions = np.array([columns.index(c) for c in selected])
        owners[out] = positions[local]
    if (owners < 0).any():
        return None
    return [np.flatnonzero(owners == j) for j in range(len(columns))]


def _owners(transformer: object, n_in: int) -> np.ndarray | None:
    """Return, for each output column of a fitted transformer, the input
    column it is computed from; None for a transformer not known to work
    column by column."""
    if isinstance(transformer, str):
        return np.arange(n_in) if transformer == "passthrough" else None
    if isinstance(transformer, Pipeline):
        owners = np.arange(n_in)
        for _, step in transformer.steps:
            inner = _owners(step, len(owners))
            if inner is None:
                return None
            owners = owners[inner]
        return owners
    if isinstance(transformer, (StandardScaler, OrdinalEncoder)):
        return np.arange(n_in)
    if isinstance(transformer, SimpleImputer):
        return _imputer_owners(transformer, n_in)
    if isinstance(transformer, OneHotEncoder) and transformer.drop is None:
        return np.repeat(np.arange(n_in), _one_hot_widths(transformer))
    if isinstance(transformer, FunctionTransformer):
        # A fitted "passthrough" is a FunctionTransformer without a function.
        if transformer.func is None:
            return np.arange(n_in)
        if transformer.func is date_parts:
            return np.repeat(np.arange(n_in), _date_width())
    return None


def _imputer_owners(imputer: SimpleImputer, n_in: int) -> np.ndarray:
    kept = np.arange(n_in)
    if not imputer.keep_empty_features:
        # A column never filled in during training has no value to impute
        # with, and the imputer leaves it out.
        kept = kept[~pd.isna(imputer.statistics_)]
    flagged = imputer.indicator_.features_ if imputer.add_indicator else []
    return np.concatenate([kept, np.asarray(flagged, dtype=int)])


def _one_hot_widths(encoder: OneHotEncoder) -> list[int]:
    widths = []
    for categories, rare in zip(encoder.categories_, encoder.infrequent_categories_):
        # Rare values share one column.
        widths.append(len(categories) - (0 if rare is None else len(rare) - 1))
    return widths


@lru_cache(maxsize=1)
def _date_width() -> int:
    return date_parts(pd.DataFrame({"date": pd.Series([pd.NaT])})).shape[1]


def _split_effects(
    parts: ModelParts, X: pd.DataFrame, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    Z = parts.transform(X)
    linear = isinstance(parts.classifier, LogisticRegression)
    if linear and parts.calibrated and parts.classifier.coef_.shape[0] == 1:
        return _linear_effects(parts, Z, base)
    if parts.trees is not None:
        return _tree_effects(parts, Z, base)
    return _swapped_effects(parts, Z, base)


def _tree_effects(
    parts: ModelParts, Z: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return probabilities and effects from one walk of each tree per lead
    (tree_paths), calibrated by scikit-learn's own code."""
    own, swapped = tree_variants(parts.trees, Z, base, parts.blocks)
    scores = np.column_stack([own, swapped])
    if parts.calibrated:
        given = _GivenDecisions(parts.classifier.classes_)
        proba = _calibrated_proba(parts, given, scores.reshape(-1, 1))
        proba = proba.reshape(scores.shape)
    else:
        proba = parts.trees.to_proba(scores)
    return proba[:, 0], proba[:, :1] - proba[:, 1:]


def _linear_effects(
    parts: ModelParts, Z: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return probabilities and effects with no variant predicted: swapping
    a column to typical moves the decision by the typical lead's share of
    that column's block minus this lead's."""
    weights = parts.classifier.coef_.ravel()
    decision = parts.classifier.decision_function(Z)
    moves = ((base - Z) * weights) @ parts.membership()
    decisions = np.column_stack([decision, decision[:, None] + moves])
    given = _GivenDecisions(parts.classifier.classes_)
    proba = _calibrated_proba(parts, given, decisions.reshape(-1, 1))
    proba = proba.reshape(decisions.shape)
    return proba[:, 0], proba[:, :1] - proba[:, 1:]


def _swapped_effects(
    parts: ModelParts, Z: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return probabilities and effects from the classifier alone, given each
    lead once per column where the lead differs from the typical lead (where
    it does not, the effect is zero)."""
    probas, effects = [], []
    for start in range(0, len(Z), CHUNK_ROWS):
        proba, effect = _swapped_slice(parts, Z[start : start + CHUNK_ROWS], base)
        probas.append(proba)
        effects.append(effect)
    return np.concatenate(probas), np.vstack(effects)


def _swapped_slice(
    parts: ModelParts, Z: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    variants, swaps = [Z], []
    for j, block in enumerate(parts.blocks):
        same = (Z[:, block] == base[block]) | (
            np.isnan(Z[:, block]) & np.isnan(base[block])
        )
        rows = np.flatnonzero(~same.all(axis=1))
        if len(rows):
            swapped = Z[rows]
            swapped[:, block] = base[block]
            variants.append(swapped)
            swaps.append((j, rows))

    proba = _calibrated_proba(parts, parts.classifier, np.vstack(variants))

    own, effects = proba[: len(Z)], np.zeros((len(Z), len(parts.blocks)))
    start = len(Z)
    for j, rows in swaps:
        effects[rows, j] = own[rows] - proba[start : start + len(rows)]
        start += len(rows)
    return own, effects


def _calibrated_proba(
    parts: ModelParts, scorer: BaseEstimator, inputs: np.ndarray
) -> np.ndarray:
    """Return the model's probability with `scorer` in place of its pipeline,
    calibrated by scikit-learn's own code as the whole model would be."""
    if not parts.calibrated:
        return scorer.predict_proba(inputs)[:, 1]
    total = np.zeros(len(inputs))
    for part in parts.calibrated:
        standing_in = copy.copy(part)
        standing_in.estimator = scorer
        total += standing_in.predict_proba(inputs)[:, 1]
    return total / len(parts.calibrated)


class _GivenDecisions(ClassifierMixin, BaseEstimator):
    """A stand-in for a classifier whose scores (a linear model's decision
    values, a forest's probabilities), the only thing calibration reads from
    it, are already known: the first column of what it is given."""

    def __init__(self, classes: np.ndarray | None = None):
        self.classes = classes

    @property
    def classes_(self) -> np.ndarray:
        return self.classes

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X)[:, 0]


# --- reasons ------------------------------------------------------------------


def _reasons(X: pd.DataFrame, effects: np.ndarray, top: int) -> list[list[dict]]:
    """Return each row's strongest effects as reasons, strongest first."""
    # Stable, so that equal effects keep the columns' order.
    order = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :top]
    chosen = np.take_along_axis(effects, order, axis=1)
    # Row by row, then strongest first: the order the reasons are listed in.
    rows, ranks = np.nonzero(np.abs(chosen) >= MIN_EFFECT)
    columns, effect = order[rows, ranks], chosen[rows, ranks]
    values, value_ids = _shown_values(X, rows, columns)
    # Rounded as describe() rounds: half to even, on the same float.
    points = np.rint(np.abs(effect) * 100).astype(np.int64)
    names = X.columns.tolist()
    texts = _sentences(names, columns, values, value_ids, effect, points)
    flat = [
        {"column": names[j], "value": value, "effect": rounded, "text": text}
        for j, value, rounded, text in zip(
            columns.tolist(), values, _round4(effect).tolist(), texts
        )
    ]
    ends = np.cumsum(np.bincount(rows, minlength=len(X))).tolist()
    return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def _sentences(
    names: list[str],
    columns: np.ndarray,
    values: list,
    value_ids: np.ndarray,
    effect: np.ndarray,
    points: np.ndarray,
) -> list[str]:
    """Return each reason's sentence, writing each distinct one once: a large
    file repeats the same few thousand sentences."""
    # value_ids tell a column's values apart across columns; a sentence is
    # fixed by its value, its direction and its points (0 to 100).
    key = (value_ids * 2 + (effect > 0)) * 101 + points
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    written = [
        _sentence(names[columns[i]], values[i], bool(effect[i] > 0), int(points[i]))
        for i in first.tolist()
    ]
    return [written[k] for k in inverse.tolist()]


def _shown_values(
    X: pd.DataFrame, rows: np.ndarray, columns: np.ndarray
) -> tuple[list, np.ndarray]:
    """Return the value of X at each (row, column) as a rep reads it, and a
    number for each distinct (column, value), working out each distinct
    value of a column once."""
    if len(X) <= FEW_ROWS:
        # A lead or a few: reading the cells beats finding distinct values
        # (1 ms of an API call's 12).
        pairs = zip(rows.tolist(), columns.tolist())
        shown = [_display(X.iat[row, j]) for row, j in pairs]
        return shown, np.arange(len(shown))
    shown = np.empty(len(rows), dtype=object)
    ids = np.zeros(len(rows), dtype=np.int64)
    offset = 0
    for j in np.unique(columns):
        at = columns == j
        codes, distinct = pd.factorize(X.iloc[:, j], use_na_sentinel=False)
        texts = np.array([_display(value) for value in distinct], dtype=object)
        picked = codes[rows[at]]
        shown[at] = texts[picked]
        ids[at] = offset + picked
        offset += len(distinct)
    return shown.tolist(), ids


def _round4(effect: np.ndarray) -> np.ndarray:
    """Return round(effect, 4) for each effect, as Python's round gives it."""
    scaled = effect * 10_000
    rounded = np.rint(scaled) / 10_000
    # Near a half the scaled float may have rounded the other way.
    near_half = np.abs(np.abs(scaled) % 1 - 0.5) < 1e-6
    rounded[near_half] = [round(e, 4) for e in effect[near_half].tolist()]
    return rounded


def describe(column: str, value: str, effect: float) -> str:
    """Return one reason as a sentence a sales rep can read."""
    return _sentence(column, value, effect > 0, round(abs(effect) * 100))


def _sentence(column: str, value: str, raises: bool, points: int) -> str:
    direction = "raises" if raises else "lowers"
    unit = "point" if points == 1 else "points"
    return f"{column} is {value}: {direction} the chance by {points} {unit}"


def _display(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA:
        return "blank"
    if isinstance(value, float):
        if np.isnan(value):
            return "blank"
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return "blank" if value == BLANK else str(value)
