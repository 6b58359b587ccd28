"""Drift: how far recent leads have moved from the leads a model learned from.

Measured with the population stability index (PSI) per input and for the
scores: under 0.1 little change, 0.1-0.25 worth watching, above 0.25 the
model is scoring a population it has not seen.
"""

import logging

import numpy as np
import pandas as pd

from modeling.features import CATEGORY_KINDS, NUMERIC_KINDS, prepare_features

logger = logging.getLogger(__name__)

N_BINS = 10
MAX_CATEGORIES = 20
OTHER = "(other)"
# Shares are floored here so an empty bin does not make the index infinite.
FLOOR = 1e-4
WATCH = 0.1


def reference_profile(
    frame: pd.DataFrame, kinds: dict[str, str], proba: list[float]
) -> dict:
    """Return each input's bins and shares in `frame`, and the scores' bins."""
    X = prepare_features(frame, kinds)
    columns = {}
    for column, kind in kinds.items():
        if kind in NUMERIC_KINDS:
            columns[column] = numeric_reference(X[column])
        elif kind in CATEGORY_KINDS:
            columns[column] = category_reference(X[column])
    return {
        "columns": columns,
        "score": numeric_reference(pd.Series(proba, dtype="float64")),
    }


def numeric_reference(values: pd.Series) -> dict:
    """Return decile edges of the values and the share in each bin."""
    filled = values.dropna()
    if filled.empty:
        return {"kind": "number", "edges": [], "shares": [1.0]}
    edges = np.unique(np.quantile(filled, np.linspace(0, 1, N_BINS + 1))[1:-1])
    return {
        "kind": "number",
        "edges": edges.round(6).tolist(),
        "shares": numeric_shares(values, edges.tolist()),
        # What the model has seen: a lead far outside it (a typo such as
        # 1532 visits) is scored by extrapolation, and the API says so.
        "range": [float(filled.min()), float(filled.max())],
    }


def numeric_shares(values: pd.Series, edges: list[float]) -> list[float]:
    """Return the share of values per bin; blanks get the last bin of their own."""
    numbers = pd.to_numeric(values, errors="coerce")
    counts = np.bincount(
        np.searchsorted(edges, numbers.dropna(), side="right"), minlength=len(edges) + 1
    ).tolist()
    counts.append(int(numbers.isna().sum()))
    return (np.asarray(counts) / max(len(values), 1)).round(6).tolist()


def category_reference(values: pd.Series) -> dict:
    """Return the most common values and their shares, the rest as other."""
    kept = values.astype(str).value_counts().index[:MAX_CATEGORIES].tolist()
    return {"kind": "category", "values": kept, "shares": category_shares(values, kept)}


def category_shares(values: pd.Series, kept: list[str]) -> list[float]:
    """Return the share of each kept value, then of every other value."""
    text = values.astype(str).where(values.astype(str).isin(kept), OTHER)
    counts = text.value_counts()
    shares = [counts.get(value, 0) for value in kept] + [counts.get(OTHER, 0)]
    return (np.asarray(shares) / max(len(values), 1)).round(6).tolist()


def psi(expected: list[float], actual: list[float]) -> float:
    """Return the population stability index between two sets of shares."""
    e = np.clip(np.asarray(expected, dtype=float), FLOOR, None)
    a = np.clip(np.asarray(actual, dtype=float), FLOOR, None)
    if len(e) != len(a):
        e, a = e[: len(a)], a[: len(e)]
    return float(np.sum((a - e) * np.log(a / e)))


def drift_report(
    reference: dict, frame: pd.DataFrame, proba: np.ndarray, kinds: dict[str, str]
) -> dict:
    """Return the PSI of each input and of the scores, recent vs. reference.

    `frame` holds the recent leads' fields, `proba` their scores.
    """
    X = prepare_features(frame, kinds)
    columns = {}
    for column, ref in reference.get("columns", {}).items():
        if column not in X:
            continue
        if ref["kind"] == "number":
            shares = numeric_shares(X[column], ref["edges"])
            ref_shares = ref["shares"] + [0.0] * (len(shares) - len(ref["shares"]))
        else:
            shares, ref_shares = (
                category_shares(X[column], ref["values"]),
                ref["shares"],
            )
        columns[column] = round(psi(ref_shares, shares), 4)
    score = reference.get("score")
    score_psi = None
    if score and len(proba):
        shares = numeric_shares(pd.Series(proba, dtype="float64"), score["edges"])
        ref_shares = score["shares"] + [0.0] * (len(shares) - len(score["shares"]))
        score_psi = round(psi(ref_shares, shares), 4)
    worst = max([*columns.values(), score_psi or 0.0], default=0.0)
    return {"columns": columns, "score_psi": score_psi, "worst": worst}


def level(value: float | None, threshold: float) -> str:
    """Return "ok", "watch" or "alert" for a PSI value."""
    if value is None or value < WATCH:
        return "ok"
    return "alert" if value >= threshold else "watch"
