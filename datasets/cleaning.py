"""Tidy category values: case variants, near-duplicates and rare values."""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from datasets.reading import is_placeholder

logger = logging.getLogger(__name__)

# Comparing every pair is quadratic; beyond this many values only the most
# frequent ones are compared.
MAX_VALUES_COMPARED = 2_000
MIN_FUZZY_LENGTH = 4


def fold_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text columns use one spelling per value.

    Values are stripped, inner spaces collapsed, and case variants folded to
    the most frequent spelling ('google', 'GOOGLE ' -> 'Google').
    """
    folded = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_string_dtype(column) or column.dtype == object:
            folded[name] = _fold(column)
    return folded


def _fold(column: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(column.to_numpy(object))
    tidy = pd.Series([re.sub(r"\s+", " ", str(value)).strip() for value in uniques])
    counts = pd.Series(np.bincount(codes[codes >= 0], minlength=len(uniques)))
    table = pd.DataFrame({"tidy": tidy, "key": tidy.str.casefold(), "n": counts})
    # Most frequent spelling of each case-folded key wins.
    totals = table.groupby(["key", "tidy"], sort=False)["n"].sum().reset_index()
    best = totals.sort_values("n", ascending=False, kind="stable")
    best = best.drop_duplicates("key").set_index("key")["tidy"]
    mapped = np.append(table["key"].map(best).to_numpy(object), np.nan)
    return pd.Series(pd.array(mapped[codes], dtype="str"), index=column.index)


def suggest_merges(series: pd.Series, *, threshold: float = 88) -> list[list[str]]:
    """Return groups of values that look like one value written differently.

    Each group lists its most frequent value first; groups are ordered by
    their first value's frequency. Short values such as 'No' and 'Na' are
    only grouped when they are equal apart from spaces and punctuation.
    """
    counts = series.dropna().astype(str).str.strip().value_counts()
    values = [value for value in counts.index[:MAX_VALUES_COMPARED] if value]
    keys = [_key(value) for value in values]
    parent = list(range(len(values)))

    scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=threshold)
    for i, j in zip(*np.nonzero(np.triu(scores, k=1))):
        if _may_merge(keys[i], keys[j]):
            parent[_root(parent, j)] = _root(parent, i)
    return _collect(values, parent)


def _may_merge(first: str, second: str) -> bool:
    if not first or not second:
        return False
    return first == second or min(len(first), len(second)) >= MIN_FUZZY_LENGTH


def _key(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.casefold())


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _collect(values: list[str], parent: list[int]) -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for i, value in enumerate(values):
        groups.setdefault(_root(parent, i), []).append(value)
    # Values arrive most frequent first, so each group is already in order.
    merged = [group for group in groups.values() if len(group) > 1]
    logger.debug("suggest_merges: %s groups among %s values", len(merged), len(values))
    return merged


def apply_merges(series: pd.Series, groups: list[list[str]]) -> pd.Series:
    """Return the series with every value of a group replaced by its first value."""
    replace = {value: group[0] for group in groups for value in group[1:]}
    stripped = series.map(
        lambda value: value.strip() if isinstance(value, str) else value
    )
    return stripped.replace(replace)


def group_rare(
    series: pd.Series, *, min_share: float = 0.01, other: str = "Other"
) -> pd.Series:
    """Return the series with values rarer than `min_share` replaced by `other`.

    The share counts filled cells only; blanks stay blank.
    """
    shares = series.value_counts(normalize=True, dropna=True)
    rare = shares.index[shares < min_share]
    if len(rare) == 0:
        return series.copy()
    return series.where(~series.isin(rare) | series.isna(), other)


def fold_key(value: object) -> str:
    """Return the text that case and spacing variants of a value share."""
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def tidy_categories(
    series: pd.Series,
    groups: list[list[str]],
    kept: list[str] | None = None,
    *,
    other: str = "Other",
) -> pd.Series:
    """Return the column with merges applied and spacing and case folded.

    Each value of a group becomes the group's first value. With `kept`, every
    value is written as in `kept` (compared without case or extra spaces) and
    values not in it become `other`; blanks and placeholders stay blank.
    """
    return CategoryTidier(groups, kept, other=other).series(series)


class CategoryTidier:
    """One column's accepted clean-up, ready to apply to any number of values.

    Without groups or kept values (`groups=None`) it only blanks placeholders
    such as "Select", which is all the reader does to a column nobody tidied.
    """

    def __init__(
        self,
        groups: list[list[str]] | None,
        kept: list[str] | None = None,
        *,
        other: str = "Other",
    ):
        self.tidies = groups is not None or kept is not None
        self.merged = {fold_key(v): group[0] for group in groups or [] for v in group}
        self.spellings = None if kept is None else {fold_key(v): v for v in kept}
        self.other = other

    def value(self, value: object) -> object:
        """Return one value as the clean-up writes it; blanks as NaN."""
        if value is None or (isinstance(value, float) and value != value):
            return np.nan
        text = str(value).strip()
        if not text or is_placeholder(text):
            return np.nan
        if not self.tidies:
            return value
        text = re.sub(r"\s+", " ", text)
        text = self.merged.get(fold_key(text), text)
        if self.spellings is not None:
            text = self.spellings.get(fold_key(text), self.other)
        return text

    def series(self, series: pd.Series) -> pd.Series:
        """Return the column cleaned, as text with blanks as NaN."""
        # Each distinct value is cleaned once: a large file has few.
        codes, uniques = pd.factorize(series.to_numpy(object))
        texts = [self.value(value) for value in uniques]
        mapped = np.append(np.array(texts, dtype=object), np.nan)
        return pd.Series(pd.array(mapped[codes], dtype="str"), index=series.index)


def tidy_columns(
    frame: pd.DataFrame, tidiers: dict[str, CategoryTidier]
) -> pd.DataFrame:
    """Return the frame with each tidier applied to its column, if present."""
    present = [column for column in tidiers if column in frame.columns]
    if not present:
        return frame
    tidied = frame.copy()
    for column in present:
        tidied[column] = tidiers[column].series(frame[column])
    return tidied


def tidiers_for(
    merges: dict[str, list[list[str]]],
    kept_values: dict[str, list[str]],
    columns: list[str] = (),
) -> dict[str, CategoryTidier]:
    """Return a tidier for each column with accepted merges or kept values,
    and a placeholder-only one for each other column of `columns`."""
    tidiers = {
        column: CategoryTidier(merges.get(column, []), kept_values.get(column))
        for column in set(merges) | set(kept_values)
    }
    for column in columns:
        tidiers.setdefault(column, CategoryTidier(None))
    return tidiers


def common_values(series: pd.Series, *, min_share: float = 0.01) -> list[str]:
    """Return the values (one spelling per case variant) in at least `min_share`
    of the filled cells, most frequent first."""
    texts = tidy_categories(series, []).dropna()
    if texts.empty:
        return []
    table = pd.DataFrame({"text": texts, "key": texts.map(fold_key)})
    spelling = table.value_counts().reset_index().drop_duplicates("key")
    shares = table["key"].value_counts(normalize=True)
    keep = shares.index[shares >= min_share]
    lookup = spelling.set_index("key")["text"]
    return [str(lookup[key]) for key in keep]
