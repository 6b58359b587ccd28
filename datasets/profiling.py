"""Describe each column of a table: its kind, gaps and typical values."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

KINDS = (
    "number",
    "category",
    "yes_no",
    "date",
    "text",
    "identifier",
    "constant",
    "empty",
)
YES_NO_PAIRS = ({"yes", "no"}, {"y", "n"}, {"true", "false"}, {"t", "f"}, {"1", "0"})
YES_VALUES = frozenset({"yes", "y", "true", "t", "1"})
ID_NAME_RE = re.compile(
    r"\b(id|ids|identifier|number|num|no|nr|email|e-mail|mail|phone|mobile|tel"
    r"|telephone|uuid|guid|key|code|ref|reference)\b"
)
DATE_LIKE_RE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
    r"|\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{2,4}"
    r"|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{2,4}"
)
DATE_SAMPLE = 300
# Share of distinct values above which a column names each row on its own.
ID_DISTINCT_SHARE = 0.95
EXCLUDED_REASONS = {
    "identifier": "Almost every row has its own value (like an ID, e-mail or "
    "phone number), so it cannot teach anything about other leads.",
    "constant": "Every row has the same value, so it cannot tell leads apart.",
    "empty": "Every cell in this column is empty.",
}


@dataclass
class ColumnProfile:
    name: str
    kind: str
    missing: float
    distinct: int
    examples: list[str]
    excluded_reason: str | None

    def to_dict(self) -> dict:
        """Return the profile as JSON-ready data."""
        return asdict(self)


@dataclass
class DistinctValues:
    """A column's distinct filled values, in order of first appearance, and counts."""

    uniques: np.ndarray
    counts: np.ndarray


@dataclass
class _Values:
    """The distinct filled values of a column, most frequent first."""

    uniques: np.ndarray
    counts: np.ndarray
    filled: int
    numeric: bool


def profile_columns(
    frame: pd.DataFrame, distinct: Mapping[str, DistinctValues] | None = None
) -> list[ColumnProfile]:
    """Return a profile per column, in the frame's order.

    `distinct` (a TableRead's) spares counting the values of those columns
    again; it must describe the frame's columns as they are.
    """
    distinct = distinct or {}
    profiles = [
        _profile(str(name), frame[name], distinct.get(name)) for name in frame.columns
    ]
    logger.debug("profile_columns: %s columns, %s rows", len(profiles), len(frame))
    return profiles


def _profile(
    name: str, column: pd.Series, distinct: DistinctValues | None
) -> ColumnProfile:
    values = _by_frequency(column, distinct or count_distinct(column))
    kind = _kind(name, column, values)
    missing = 1 - values.filled / len(column) if len(column) else 1.0
    examples = [format_value(value) for value in values.uniques[:5]]
    return ColumnProfile(
        name,
        kind,
        round(float(missing), 4),
        len(values.uniques),
        examples,
        EXCLUDED_REASONS.get(kind),
    )


def count_distinct(column: pd.Series) -> DistinctValues:
    """Return the column's distinct filled values and how often each occurs."""
    if _is_number_dtype(column):
        array = column.to_numpy(float, na_value=np.nan)
    else:
        # No copy for text columns; factorize treats None and NaN as missing.
        array = np.asarray(column.array, dtype=object)
    codes, uniques = pd.factorize(array)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    return DistinctValues(uniques, counts)


def _by_frequency(column: pd.Series, distinct: DistinctValues) -> _Values:
    # Stable, so values as frequent as each other keep the order they appear in.
    order = np.argsort(-distinct.counts, kind="stable")
    uniques, counts = distinct.uniques[order], distinct.counts[order]
    return _Values(uniques, counts, int(counts.sum()), _is_number_dtype(column))


def _is_number_dtype(column: pd.Series) -> bool:
    dtype = column.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(
        dtype
    )


def _kind(name: str, column: pd.Series, values: _Values) -> str:
    distinct = len(values.uniques)
    if distinct == 0:
        return "empty"
    if distinct == 1:
        return "constant"
    if distinct == 2 and _is_yes_no(values.uniques):
        return "yes_no"
    # Dates come before identifiers: timestamps are often all distinct.
    is_datetime = pd.api.types.is_datetime64_any_dtype(column)
    if is_datetime or (not values.numeric and _is_date(values.uniques)):
        return "date"
    if _is_identifier(name, values):
        return "identifier"
    if values.numeric:
        return "number"
    if _is_free_text(values):
        return "text"
    return "category"


def _is_yes_no(uniques: np.ndarray) -> bool:
    texts = {format_value(value).strip().casefold() for value in uniques}
    return texts in YES_NO_PAIRS


def _is_identifier(name: str, values: _Values) -> bool:
    share = len(values.uniques) / values.filled
    sample = values.uniques[:200]
    if values.numeric and not np.all(np.mod(sample.astype(float), 1) == 0):
        return False  # measurements with decimals, whatever the column's name
    if share >= ID_DISTINCT_SHARE and ID_NAME_RE.search(_words(name)):
        return True
    # Without a telling name, ask for more rows and near-total uniqueness,
    # since a small table makes every column look unique.
    if values.filled < 20 or share < 0.99:
        return False
    if values.numeric:
        integral = np.all(np.mod(sample.astype(float), 1) == 0)
        return bool(integral and share == 1.0 and values.filled >= 100)
    spaced = np.mean([" " in str(value).strip() for value in sample])
    return spaced < 0.1


def _words(name: str) -> str:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return re.sub(r"[_.]+", " ", spaced).casefold()


def _is_date(uniques: np.ndarray) -> bool:
    sample = [str(value) for value in uniques[:DATE_SAMPLE]]
    looks = [bool(DATE_LIKE_RE.search(text)) for text in sample]
    if np.mean(looks) < 0.8:
        return False
    parsed = parse_dates(pd.Series(sample, dtype=object))
    return parsed.notna().mean() >= 0.8


def _is_free_text(values: _Values) -> bool:
    share = len(values.uniques) / values.filled
    sample = [str(value) for value in values.uniques[:500]]
    return share >= 0.5 and float(np.median([len(text) for text in sample])) >= 30


def parse_dates(texts: pd.Series) -> pd.Series:
    """Return the texts as datetimes, NaT where a text is not a date."""
    # Day-first when some first number cannot be a month (e.g. 25/03/2024).
    firsts = texts.astype(str).str.extract(r"^(\d{1,2})[/.-]\d{1,2}[/.-]")[0]
    dayfirst = bool((pd.to_numeric(firsts, errors="coerce") > 12).any())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        # One format guessed from the first value is fast; mixed formats are
        # parsed one by one, so they are only the fallback.
        parsed = pd.to_datetime(texts, errors="coerce", dayfirst=dayfirst)
        if parsed.notna().sum() >= 0.95 * texts.notna().sum():
            return parsed
        return pd.to_datetime(texts, errors="coerce", format="mixed", dayfirst=dayfirst)


def format_value(value: object) -> str:
    """Return a cell as short text: 15.0 -> '15', 93.994 -> '93.994'."""
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if value.is_integer() else format(value, ".10g")
    return str(value)


# --- ready for modeling -----------------------------------------------------


def coerce_kinds(frame: pd.DataFrame, profiles: list[ColumnProfile]) -> pd.DataFrame:
    """Return a copy with dates as datetime64, yes/no as 1.0/0.0, numbers float.

    Every other column becomes text (missing stays NaN).
    """
    kinds = {profile.name: profile.kind for profile in profiles}
    converted = {
        name: _coerce(frame[name], kinds.get(str(name), "category"))
        for name in frame.columns
    }
    return pd.DataFrame(converted, index=frame.index)


def _coerce(column: pd.Series, kind: str) -> pd.Series:
    if kind == "number":
        return pd.to_numeric(column, errors="coerce").astype("float64")
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    # Work on distinct values: a million rows rarely hold many of them.
    codes, uniques = pd.factorize(column.to_numpy(object, na_value=np.nan))
    if kind == "date":
        mapped = parse_dates(pd.Series(uniques, dtype=object)).to_numpy()
        mapped = np.append(mapped, np.datetime64("NaT", "ns"))
    elif kind == "yes_no":
        keys = [format_value(value).strip().casefold() for value in uniques]
        yes = [key in YES_VALUES for key in keys]
        mapped = np.append(np.where(yes, 1.0, 0.0), np.nan)
    else:
        texts = np.array([format_value(value) for value in uniques], dtype=object)
        mapped = pd.array(np.append(texts, np.nan), dtype="str")
    return pd.Series(mapped.take(codes), index=column.index)
