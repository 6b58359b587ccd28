"""The smallest change to one field that would move a lead up a tier.

Only fields a lead can still change are tried: what it did (pages visited,
time on the site) and what it answered (budget, timeline, needs), never
where it came from or who it is (source, country, job), dates or its ID. A
column counts as changeable by its name (see `is_changeable`); the choice
is stored with the model version, beside the values tried for each column.

The values tried are ones seen in training: a category's other frequent
values, and for a number the 5th to 95th percentiles. All of them go through
the model in one prediction call.
"""

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from modeling.errors import TrainingError
from modeling.features import BLANK, CATEGORY_KINDS, NUMERIC_KINDS, prepare_features

if TYPE_CHECKING:  # training imports this module and stays free of Django
    from modeling.models import ModelVersion

logger = logging.getLogger(__name__)

# Words naming what a lead did or answered while being qualified.
CHANGEABLE_WORDS = re.compile(
    r"\b(visits?|visited|pages?|views?|viewed|time|spent|minutes|seconds|"
    r"sessions?|clicks?|clicked|opens?|opened|downloads?|downloaded|webinars?|"
    r"demos?|trials?|attended|engagement|budget|timeline|timeframe|needs?|"
    r"authority|decision|interest|interested|priority|matters|goals?|plans?)\b"
)
# Words naming where a lead came from or who it is: never worth suggesting.
ORIGIN_WORDS = re.compile(
    r"\b(source|origin|country|city|region|state|location|campaign|channel|"
    r"medium|referr\w*|hear|age|gender|job|occupation|education|industry|"
    r"employees|staff|size|specialization|marital)\b"
)
QUANTILES = np.round(np.arange(0.05, 0.96, 0.05), 2)
# A category value seen fewer times than this is not a plausible answer
# (the model pools such values anyway).
MIN_VALUE_COUNT = 5
MAX_VALUES = 20
# What switching a category, or filling in a blank, weighs against moving a
# number: as much as passing half of all leads.
SWITCH_COST = 0.5


@dataclass
class Change:
    column: str
    before: object
    after: object
    cost: float
    # Among changes of equal cost, the more ordinary value comes first.
    rarity: float


def is_changeable(column: str, kind: str) -> bool:
    """Return whether a lead could still change this column's value.

    Dates and columns named for where a lead came from or who it is are out;
    columns named for behaviour or qualification answers are in; any other
    column is left out, because a suggestion to change what cannot change
    misleads the rep.
    """
    # Known limit: the choice goes by column names alone and cannot be
    # changed on a page; a behaviour column named otherwise is never tried.
    # The lead page lists the columns that were tried.
    if kind not in NUMERIC_KINDS | CATEGORY_KINDS:
        return False
    words = _words(column)
    return bool(CHANGEABLE_WORDS.search(words)) and not ORIGIN_WORDS.search(words)


def candidate_values(X: pd.DataFrame, kinds: dict[str, str]) -> dict[str, dict]:
    """Return, for each changeable column, the training values worth trying.

    A number gets its distinct percentile values with the share of leads at
    or below each (`values`, `ranks`); a category its frequent values with
    their shares. The dict is JSON-ready, to store with the model version.
    """
    changes = {}
    for column, kind in kinds.items():
        if column not in X or not is_changeable(column, kind):
            continue
        if kind in NUMERIC_KINDS:
            found = _number_candidates(X[column])
        else:
            found = _category_candidates(X[column])
        if found:
            changes[column] = found
    return changes


def _number_candidates(values: pd.Series) -> dict | None:
    filled = values.dropna().to_numpy(dtype=float)
    if len(filled) == 0:
        return None
    points = np.unique(np.quantile(filled, QUANTILES))
    if len(points) < 2:
        return None
    ranks = np.searchsorted(np.sort(filled), points, side="right") / len(filled)
    return {
        "kind": "number",
        "values": [float(f"{v:.6g}") for v in points],
        "ranks": ranks.round(4).tolist(),
    }


def _category_candidates(values: pd.Series) -> dict | None:
    counts = values[values != BLANK].value_counts()
    counts = counts[counts >= MIN_VALUE_COUNT].head(MAX_VALUES)
    if len(counts) < 2:
        return None
    shares = (counts / len(values)).round(4)
    return {
        "kind": "category",
        "values": [str(v) for v in counts.index],
        "shares": shares.tolist(),
    }


def changeable_columns(version: "ModelVersion | None") -> list[str]:
    """Return the columns whose values a version tries for a lead."""
    return list(_stored_changes(version))


def next_tier_for(
    version: "ModelVersion | None", fields: dict, thresholds: dict[str, float]
) -> dict | None:
    """Return `smallest_change` for a lead's fields as received, scored by
    `version`; None without a version, or for one trained before the values
    to try were stored with it, or whose model can no longer be loaded."""
    from modeling.scoring import like_history, pipeline_for  # Django models

    changes = _stored_changes(version)
    if not changes:
        return None
    try:
        model = pipeline_for(version)
    except TrainingError as error:
        logger.warning("Model %s: no next-tier change, %s", version.pk, error)
        return None
    row = prepare_features(
        like_history(version, pd.DataFrame([fields])), version.column_kinds
    )
    return smallest_change(model, row, thresholds, changes)


def _stored_changes(version: "ModelVersion | None") -> dict[str, dict]:
    if version is None:
        return {}
    return (version.reference or {}).get("changes", {})


def next_step_sentence(
    version: "ModelVersion | None",
    fields: dict,
    proba: float,
    thresholds: dict[str, float],
) -> str:
    """Return what a lead's page says about moving it up a tier.

    `proba` is the lead's stored chance, `fields` its fields as received.
    """
    if version is None:
        return ""
    if next_threshold(proba, thresholds) is None:
        return "This lead is already in the top tier."
    columns = changeable_columns(version)
    if not columns:
        return (
            "None of the columns this model learned from is one a lead can still "
            "change (like pages visited or a budget), so there is no change to "
            "suggest."
        )
    change = next_tier_for(version, fields, thresholds)
    if change is None:
        return f"No single change to {', '.join(columns)} would move it up a tier."
    return change["text"] + "."


def smallest_change(
    model: BaseEstimator,
    row: pd.DataFrame,
    thresholds: dict[str, float],
    changes: dict[str, dict],
) -> dict | None:
    """Return the smallest one-field change that lifts the lead into a
    higher tier, or None when the lead is in the top tier or none does.

    `row` is one lead's prepared features (the frame `explain_rows` gets),
    `thresholds` maps tier names to their lower bounds, `changes` holds the
    columns the lead can change with the values to try (`candidate_values`).
    Moving a number costs the share of training leads it passes; switching
    a category or filling a blank costs SWITCH_COST. The result has
    `column`, `from`, `to` (as shown), `proba`, `tier` and `text`.
    """
    tried = [c for column in changes for c in _changes(row, column, changes[column])]
    if not tried:
        return None
    proba = model.predict_proba(_variants(row, tried))[:, 1]
    bound = next_threshold(proba[0], thresholds)
    if bound is None:
        return None
    lifted = [(c, p) for c, p in zip(tried, proba[1:], strict=True) if p >= bound]
    if not lifted:
        return None
    change, new = min(lifted, key=lambda item: (item[0].cost, item[0].rarity, -item[1]))
    return describe(change, float(new), tier_of(new, thresholds))


def next_threshold(proba: float, thresholds: dict[str, float]) -> float | None:
    """Return the lowest tier bound above the probability, if any."""
    above = [bound for bound in thresholds.values() if bound > proba]
    return min(above) if above else None


def tier_of(proba: float, thresholds: dict[str, float]) -> str:
    """Return the name of the highest tier whose bound the probability meets."""
    met = [(bound, name) for name, bound in thresholds.items() if proba >= bound]
    return max(met)[1] if met else min(thresholds, key=thresholds.get)


def _changes(row: pd.DataFrame, column: str, found: dict) -> list[Change]:
    if column not in row:
        return []
    value = row[column].iloc[0]
    if found["kind"] == "number":
        return _number_changes(column, value, found)
    return [
        Change(column, value, after, SWITCH_COST, 1 - share)
        for after, share in zip(found["values"], found["shares"], strict=True)
        if after != value
    ]


def _number_changes(column: str, value: float, found: dict) -> list[Change]:
    points, ranks = np.asarray(found["values"]), np.asarray(found["ranks"])
    if pd.isna(value):
        # Filling in a blank: a typical value is more plausible than an edge.
        return [
            Change(column, value, float(p), SWITCH_COST, abs(r - 0.5))
            for p, r in zip(points, ranks, strict=True)
        ]
    rank = float(np.interp(value, points, ranks))
    return [
        Change(column, value, float(p), abs(r - rank), 0.0)
        for p, r in zip(points, ranks, strict=True)
        if p != value
    ]


def _variants(row: pd.DataFrame, tried: list[Change]) -> pd.DataFrame:
    """Return the lead followed by one copy of it per change tried."""
    n_rows = len(tried) + 1
    columns = {}
    for column in row.columns:
        values = np.repeat(row[column].to_numpy(), n_rows)
        for i, change in enumerate(tried, start=1):
            if change.column == column:
                values[i] = change.after
        columns[column] = pd.Series(values, dtype=row[column].dtype)
    return pd.DataFrame(columns)


def describe(change: Change, proba: float, tier: str) -> dict:
    """Return a change as the dict `smallest_change` promises."""
    before, after = shown(change.before), shown(change.after)
    text = (
        f"If {change.column} were {after} instead of {before}, the chance "
        f"would rise to {proba:.0%} ({tier})"
    )
    return {
        "column": change.column,
        "from": before,
        "to": after,
        "proba": round(proba, 4),
        "tier": tier,
        "text": text,
    }


def shown(value: object) -> str:
    """Return a value as a rep reads it: blanks as "blank", 1200.0 as 1,200."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer() or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return "blank" if value == BLANK else str(value)


def _words(name: str) -> str:
    """Return a column name as lower-case words: "TotalVisits" -> "total visits"."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return re.sub(r"[_.\-/]+", " ", spaced).casefold()
