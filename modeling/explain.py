"""Reasons, in plain words, for why one lead scored as it did."""

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from modeling.features import BLANK

TOP_REASONS = 3
# A change smaller than this (in probability) is not worth telling a rep.
MIN_EFFECT = 0.01
# Rows explained per prediction call: each row becomes (columns + 1) rows,
# so this bounds memory on large files while keeping calls few.
CHUNK_ROWS = 2000


def explain_rows(
    pipeline: Pipeline, X: pd.DataFrame, typical: dict, *, top: int = TOP_REASONS
) -> tuple[np.ndarray, list[list[dict]]]:
    """Return each row's probability and strongest reasons.

    A reason is a dict with `column`, `value`, `effect` (change in
    probability) and `text`. A column's effect is how much the lead's chance
    moves when that one value is replaced by a typical lead's value: it works
    for any model, and the lead and all its variants go through the model in
    one prediction call.
    """
    probas, reasons = [], []
    for start in range(0, len(X), CHUNK_ROWS):
        chunk = X.iloc[start : start + CHUNK_ROWS]
        proba, effects = _effects(pipeline, chunk, typical)
        probas.append(proba)
        reasons.extend(
            _row_reasons(chunk.iloc[i], effects[i], top) for i in range(len(chunk))
        )
    proba = np.concatenate(probas) if probas else np.empty(0)
    return proba, reasons


def _effects(
    pipeline: Pipeline, X: pd.DataFrame, typical: dict
) -> tuple[np.ndarray, np.ndarray]:
    n_rows, n_columns = len(X), len(X.columns)
    proba = pipeline.predict_proba(_variants(X, typical))[:, 1]
    own = proba[:n_rows]
    swapped = proba[n_rows:].reshape(n_columns, n_rows).T
    return own, own[:, None] - swapped


def _variants(X: pd.DataFrame, typical: dict) -> pd.DataFrame:
    """Return X followed by one copy per column with that column typical.

    Built column by column with numpy rather than by copying frames, which
    matters when a single lead is scored through the API.
    """
    n_rows, n_copies = len(X), len(X.columns) + 1
    columns = {}
    for j, column in enumerate(X.columns):
        values = X[column]
        tiled = np.tile(values.to_numpy(), n_copies)
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


def _row_reasons(row: pd.Series, effects: np.ndarray, top: int) -> list[dict]:
    order = np.argsort(-np.abs(effects))[:top]
    reasons = []
    for j in order:
        effect = float(effects[j])
        if abs(effect) < MIN_EFFECT:
            break
        column = row.index[j]
        value = _display(row.iloc[j])
        reasons.append(
            {
                "column": column,
                "value": value,
                "effect": round(effect, 4),
                "text": describe(column, value, effect),
            }
        )
    return reasons


def describe(column: str, value: str, effect: float) -> str:
    """Return one reason as a sentence a sales rep can read."""
    direction = "raises" if effect > 0 else "lowers"
    points = abs(effect) * 100
    unit = "point" if round(points) == 1 else "points"
    return f"{column} is {value}: {direction} the chance by {points:.0f} {unit}"


def _display(value: object) -> str:
    if value is None or value is pd.NaT:
        return "blank"
    if isinstance(value, float):
        if np.isnan(value):
            return "blank"
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return "blank" if value == BLANK else str(value)
