"""Turn a table's columns into the typed inputs a model expects.

The same function prepares training rows and every lead scored later, so a
value written "Yes" in one file and "yes " in the next means the same thing.
"""

import numpy as np
import pandas as pd

NUMERIC_KINDS = frozenset({"number"})
CATEGORY_KINDS = frozenset({"category", "yes_no"})
DATE_KINDS = frozenset({"date"})
MODEL_KINDS = NUMERIC_KINDS | CATEGORY_KINDS | DATE_KINDS

BLANK = "(blank)"
_YES = {"yes", "y", "true", "t", "1", "1.0"}
_NO = {"no", "n", "false", "f", "0", "0.0"}
# Up to this many rows, plain Python per value beats pandas' per-column
# overhead: scoring one lead through the API takes a fraction of the time.
SMALL_FRAME = 64


def usable_columns(kinds: dict[str, str], columns: list[str]) -> list[str]:
    """Return the columns, in order, whose kind a model can learn from."""
    return [column for column in columns if kinds.get(column) in MODEL_KINDS]


def prepare_features(
    frame: pd.DataFrame, kinds: dict[str, str], tidiers: dict | None = None
) -> pd.DataFrame:
    """Return one typed column per feature in `kinds`, missing ones added blank.

    Numbers become floats, categories text with blanks as their own value
    ("not chosen" often says something), dates datetimes. A column with a
    tidier (datasets.cleaning.CategoryTidier) in `tidiers` is cleaned by it
    first.
    """
    few = len(frame) <= SMALL_FRAME
    tidiers = tidiers or {}
    prepared = {}
    for column, kind in kinds.items():
        values = frame[column] if column in frame else pd.Series(np.nan, frame.index)
        if kind in CATEGORY_KINDS:
            prepared[column] = _categories(values, kind, tidiers.get(column), few)
        elif few and kind in NUMERIC_KINDS:
            numbers = [_number(v) for v in values.tolist()]
            prepared[column] = pd.Series(numbers, values.index, dtype="float64")
        else:
            prepared[column] = _convert(values, kind)
    return pd.DataFrame(prepared, index=frame.index)


def _categories(values: pd.Series, kind: str, tidier, few: bool) -> pd.Series:
    """Return the column as category text, blanks as BLANK; worked out once
    per distinct value (a large file has few), or value by value for a few
    rows, where pandas' per-call cost would dominate."""
    whole_floats = pd.api.types.is_float_dtype(values)

    def text(value: object) -> str:
        if tidier is not None:
            value = tidier.value(value)
        shown = _text(value, whole_floats)
        return _yes_no(shown) if kind == "yes_no" else shown

    if few:
        return pd.Series([text(v) for v in values.tolist()], values.index, dtype=object)
    codes, uniques = pd.factorize(values)
    table = np.array([text(v) for v in uniques.tolist()] + [BLANK], dtype=object)
    return pd.Series(table[codes], values.index, dtype=object)


def _is_missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _number(value: object) -> float:
    if _is_missing(value):
        return np.nan
    try:
        return float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return np.nan


def _text(value: object, whole_floats: bool) -> str:
    if _is_missing(value):
        return BLANK
    if whole_floats and isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or BLANK


def _yes_no(text: str) -> str:
    lowered = text.lower()
    return "Yes" if lowered in _YES else "No" if lowered in _NO else text


def _convert(values: pd.Series, kind: str) -> pd.Series:
    if kind in NUMERIC_KINDS:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    return pd.to_datetime(values, errors="coerce", format="mixed", utc=True)


def date_parts(X: pd.DataFrame) -> np.ndarray:
    """Return, for each date column, days since 1970, month and weekday."""
    parts = []
    for column in X.columns:
        dates = pd.to_datetime(X[column], errors="coerce", utc=True)
        days = (dates - pd.Timestamp("1970-01-01", tz="UTC")).dt.days
        parts.extend([days, dates.dt.month, dates.dt.day_of_week])
    return np.column_stack([p.astype("float64").to_numpy() for p in parts])
