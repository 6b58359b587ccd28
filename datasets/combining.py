"""Join a second file (a chatbot's or form's export) to the lead history."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

KEY_WORDS = ("email", "e-mail", "mail", "id", "lead", "phone", "key")


@dataclass
class JoinCheck:
    """How well two key columns match, before the join is applied."""

    n_rows: int
    n_matched: int
    n_blank_keys: int
    n_duplicate_keys: int

    @property
    def share(self) -> float:
        return self.n_matched / self.n_rows if self.n_rows else 0.0

    def to_dict(self) -> dict:
        """Return the check as JSON-ready data, share included."""
        return asdict(self) | {"share": round(self.share, 4)}


def key_text(series: pd.Series) -> pd.Series:
    """Return keys as comparable text: trimmed, lower case, 12.0 -> '12'.

    E-mail addresses and IDs are matched whatever their case or spacing.
    """
    codes, uniques = pd.factorize(series.to_numpy(object))
    keys = [_one_key(value) for value in uniques]
    mapped = np.array(keys + [None], dtype=object)
    return pd.Series(mapped[codes], index=series.index)


def _one_key(value: object) -> str | None:
    if isinstance(value, (float, np.floating)) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", str(value)).casefold()
    return text or None


def check_join(
    left: pd.DataFrame, right: pd.DataFrame, left_key: str, right_key: str
) -> JoinCheck:
    """Return how many rows of `left` find a row of `right` with the same key."""
    left_keys, right_keys = key_text(left[left_key]), key_text(right[right_key])
    known = right_keys.dropna()
    matched = left_keys.isin(set(known))
    return JoinCheck(
        n_rows=len(left),
        n_matched=int(matched.sum()),
        n_blank_keys=int(left_keys.isna().sum()),
        n_duplicate_keys=int(known.duplicated().sum()),
    )


def join_columns(
    left: pd.DataFrame,
    right: pd.DataFrame,
    left_key: str,
    right_key: str,
    *,
    label: str = "joined",
) -> pd.DataFrame:
    """Return `left` with the other columns of `right` added by key.

    Every row of `left` stays, once: a key found twice in `right` takes its
    first row, and a row without a match gets blanks. A name already used in
    `left` gets ' (label)' appended.
    """
    keys = key_text(right[right_key])
    right = right[keys.notna().to_numpy() & ~keys.duplicated().to_numpy()]
    extra = right.drop(columns=[right_key])
    extra.index = key_text(right[right_key]).to_numpy()
    extra = extra.rename(columns=lambda name: _free_name(name, left.columns, label))

    rows = extra.reindex(key_text(left[left_key]).to_numpy())
    rows.index = left.index
    logger.info("join_columns: %s columns added to %s rows", extra.shape[1], len(left))
    return pd.concat([left, rows], axis=1)


def _free_name(name: str, taken: pd.Index, label: str) -> str:
    return f"{name} ({label})" if name in taken else name


def guess_keys(left: list[str], right: list[str]) -> tuple[str, str]:
    """Return the likeliest key columns: a shared name, an e-mail or ID first."""
    by_name = {name.casefold(): name for name in right}
    shared = [name for name in left if name.casefold() in by_name]
    ranked = sorted(shared, key=lambda name: not _looks_like_key(name))
    if ranked:
        return ranked[0], by_name[ranked[0].casefold()]
    left_keys = [name for name in left if _looks_like_key(name)] or left
    right_keys = [name for name in right if _looks_like_key(name)] or right
    return left_keys[0], right_keys[0]


def _looks_like_key(name: str) -> bool:
    words = re.split(r"[\s_.]+", name.casefold())
    return any(word in KEY_WORDS for word in words) or "email" in name.casefold()
