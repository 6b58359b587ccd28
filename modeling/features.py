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


def usable_columns(kinds: dict[str, str], columns: list[str]) -> list[str]:
    """Return the columns, in order, whose kind a model can learn from."""
    return [column for column in columns if kinds.get(column) in MODEL_KINDS]


def prepare_features(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Return one typed column per feature in `kinds`, missing ones added blank.

    Numbers become floats, categories text with blanks as their own value
    ("not chosen" often says something), dates datetimes.
    """
    prepared = {}
    for column, kind in kinds.items():
        values = frame[column] if column in frame else pd.Series(np.nan, frame.index)
        prepared[column] = _convert(values, kind)
    return pd.DataFrame(prepared, index=frame.index)


def _convert(values: pd.Series, kind: str) -> pd.Series:
    if kind in NUMERIC_KINDS:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind in DATE_KINDS:
        return pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    text = _as_text(values)
    if kind == "yes_no":
        lowered = text.str.lower()
        text = text.mask(lowered.isin(_YES), "Yes").mask(lowered.isin(_NO), "No")
    return text.fillna(BLANK).astype(object)


def _as_text(values: pd.Series) -> pd.Series:
    """Return values as stripped text, whole numbers without a trailing '.0'."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values % 1 == 0)
        text = values.astype(object).where(~whole, values.where(whole).astype("Int64"))
        return text.astype("str").where(values.notna())
    text = values.astype("str").where(values.notna())
    text = text.str.strip()
    return text.where(text != "")


def date_parts(X: pd.DataFrame) -> np.ndarray:
    """Return, for each date column, days since 1970, month and weekday."""
    parts = []
    for column in X.columns:
        dates = pd.to_datetime(X[column], errors="coerce", utc=True)
        days = (dates - pd.Timestamp("1970-01-01", tz="UTC")).dt.days
        parts.extend([days, dates.dt.month, dates.dt.weekday])
    return np.column_stack([p.astype("float64").to_numpy() for p in parts])
