"""Reasons, in plain words, for why one lead scored as it did."""

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from modeling.features import BLANK

TOP_REASONS = 3
# A change smaller than this (in probability) is not worth telling a rep.
MIN_EFFECT = 0.01


def explain_rows(
    pipeline: Pipeline, X: pd.DataFrame, typical: dict, *, top: int = TOP_REASONS
) -> list[list[dict]]:
    """Return each row's strongest reasons, as dicts with `column`, `value`,
    `effect` (change in probability) and `text`.

    A column's effect is how much the lead's chance moves when that one value
    is replaced by a typical lead's value: model-agnostic, and one batch
    prediction per column whatever the number of rows.
    """
    proba = pipeline.predict_proba(X)[:, 1]
    effects = np.zeros((len(X), len(X.columns)))
    for j, column in enumerate(X.columns):
        swapped = X.copy()
        swapped[column] = _typical_value(X[column], typical.get(column))
        effects[:, j] = proba - pipeline.predict_proba(swapped)[:, 1]
    return [_row_reasons(X.iloc[i], effects[i], top) for i in range(len(X))]


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
            {"column": column, "value": value, "effect": round(effect, 4),
             "text": describe(column, value, effect)}
        )
    return reasons


def describe(column: str, value: str, effect: float) -> str:
    """Return one reason as a sentence a sales rep can read."""
    direction = "raises" if effect > 0 else "lowers"
    points = abs(effect) * 100
    return f"{column} is {value}: {direction} the chance by {points:.0f} points"


def _display(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return "blank" if value == BLANK else str(value)
