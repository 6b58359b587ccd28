"""Find the outcome column and decide which of its values mean 'converted'."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from datasets.errors import DatasetError

logger = logging.getLogger(__name__)

POSITIVE = frozenset(
    {
        "yes",
        "y",
        "true",
        "t",
        "1",
        "won",
        "win",
        "converted",
        "closed won",
        "success",
        "successful",
        "customer",
        "paid",
        "purchased",
        "bought",
        "sold",
        "signed",
        "accepted",
        "subscribed",
        "enrolled",
        "positive",
        "qualified",
    }
)
NEGATIVE = frozenset(
    {
        "no",
        "n",
        "false",
        "f",
        "0",
        "lost",
        "lose",
        "not converted",
        "closed lost",
        "failure",
        "failed",
        "fail",
        "rejected",
        "declined",
        "churned",
        "negative",
        "unsubscribed",
        "disqualified",
        "unqualified",
    }
)
OPEN = frozenset(
    {
        "open",
        "in progress",
        "pending",
        "ongoing",
        "undecided",
        "not decided",
        "tbd",
        "working",
        "awaiting",
        "waiting",
        "new",
        "",
        "nan",
    }
)
TARGET_NAMES = (
    "converted",
    "conversion",
    "outcome",
    "won",
    "y",
    "result",
    "status",
    "target",
    "label",
    "closed",
    "sale",
    "sold",
)


@dataclass
class OutcomeProposal:
    column: str
    positive: list[str]
    negative: list[str]
    open_values: list[str]
    open_rows: int

    def to_dict(self) -> dict:
        """Return the proposal as JSON-ready data."""
        return asdict(self)


def normalize_outcomes(series: pd.Series) -> pd.Series:
    """Return each value as plain lower-case text: ' Closed_Won ' -> 'closed won'.

    Whole numbers lose their decimals, so 1, 1.0 and '1.0' all become '1'.
    """
    codes, uniques = pd.factorize(series.to_numpy(object))
    keys = np.array([_key(value) for value in uniques] + [""], dtype=object)
    return pd.Series(keys[codes], index=series.index)


def _key(value: object) -> str:
    if isinstance(value, (float, np.floating)) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s_-]+", " ", str(value)).strip().casefold()
    return re.sub(r"^([-+]?\d+)\.0+$", r"\1", text)


def propose_outcome(series: pd.Series) -> OutcomeProposal:
    """Return which values of the column mean converted, not converted and open.

    Blank cells always count as open.
    """
    keys = normalize_outcomes(series)
    spelling = _spellings(series, keys)
    counts = keys.value_counts()
    outcomes = [key for key in counts.index if key not in OPEN]
    open_keys = [key for key in counts.index if key in OPEN and key not in ("", "nan")]

    positive, negative, others = _split(outcomes, counts, str(series.name))
    open_rows = int(keys.isin(OPEN).sum() + keys.isin(others).sum())
    return OutcomeProposal(
        column=str(series.name),
        positive=[spelling[key] for key in positive],
        negative=[spelling[key] for key in negative],
        open_values=[spelling[key] for key in open_keys + others],
        open_rows=open_rows,
    )


def _spellings(series: pd.Series, keys: pd.Series) -> dict[str, str]:
    """Return each key's most frequent spelling as found in the file."""
    texts = series.map(_display, na_action="ignore")
    pairs = pd.DataFrame({"key": keys, "text": texts}).dropna()
    ranked = pairs.value_counts().reset_index()
    return dict(ranked.drop_duplicates("key")[["key", "text"]].to_numpy())


def _display(value: object) -> str:
    if isinstance(value, (float, np.floating)) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _split(
    outcomes: list[str], counts: pd.Series, name: str
) -> tuple[list[str], list[str], list[str]]:
    if len(outcomes) == 2:
        return _split_two(outcomes, counts)

    positive = [key for key in outcomes if key in POSITIVE]
    negative = [key for key in outcomes if key in NEGATIVE]
    if len(outcomes) > 2 and positive and negative:
        others = [key for key in outcomes if key not in positive + negative]
        return positive, negative, others
    found = "no values" if not outcomes else f"{len(outcomes)} different values"
    raise DatasetError(
        f"The column '{name}' has {found} besides blanks and open leads, so it "
        "cannot say who converted. Pick a column with two outcomes, such as "
        "Yes/No or Won/Lost."
    )


def _split_two(outcomes: list[str], counts: pd.Series) -> tuple[list, list, list]:
    first, second = outcomes
    if first in POSITIVE or second in NEGATIVE:
        return [first], [second], []
    if second in POSITIVE or first in NEGATIVE:
        return [second], [first], []
    # Nothing tells them apart by name: conversions are usually the rarer one.
    rare, common = sorted(outcomes, key=lambda key: (counts[key], key))
    return [rare], [common], []


def encode_outcome(
    series: pd.Series, positive: list[str], negative: list[str]
) -> pd.Series:
    """Return 1.0 for converted, 0.0 for not converted, NaN for open or other."""
    keys = normalize_outcomes(series)
    y = pd.Series(np.nan, index=series.index, dtype="float64")
    y[keys.isin({_key(value) for value in negative})] = 0.0
    y[keys.isin({_key(value) for value in positive})] = 1.0
    return y.rename(series.name)


def suggest_target_column(frame: pd.DataFrame) -> str | None:
    """Return a column named like an outcome ('Converted', 'y') with two values."""
    for wanted in TARGET_NAMES:
        for name in frame.columns:
            if _key(name) != wanted and wanted not in _key(name).split():
                continue
            if _has_two_outcomes(frame[name]):
                logger.debug("suggest_target_column: picked %s", name)
                return str(name)
    return None


def _has_two_outcomes(series: pd.Series) -> bool:
    try:
        proposal = propose_outcome(series)
    except DatasetError:
        return False
    return len(proposal.positive) == len(proposal.negative) == 1
