"""Spot columns that give the outcome away because they were filled in later."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from datasets.profiling import ColumnProfile, parse_dates

logger = logging.getLogger(__name__)

# Words in a column name that usually mean "written after the sale".
AFTER_SALE_WORDS = (
    "deal",
    "amount",
    "revenue",
    "won",
    "lost",
    "stage",
    "status",
    "closed",
    "reason",
    "quality",
    "tags",
    "tag",
    "outcome",
    "result",
    "converted",
)
SNAPSHOT_PHRASES = ("last activity", "last notable")
RATING_WORDS = ("score", "index", "profile", "rating", "grade")
SAMPLE_ROWS = 20_000
N_FOLDS = 5
N_BINS = 20
# Shrinks a group's conversion rate toward the overall rate, in rows.
SMOOTHING = 20
NEAR_PERFECT_AUC = 0.95
STRONG_AUC = 0.7
# How much more a column must beat chance than the runner-up does.
RUNNER_UP_FACTOR = 1.5
# Share of leads whose value alone settles the outcome.
SETTLED_SHARE = 0.1
# A group is "one outcome only" when the other outcome is 10x rarer than usual.
PURITY = 0.1


@dataclass
class LeakSuspect:
    column: str
    reason: str
    rule: str
    score: float | None = None

    def to_dict(self) -> dict:
        """Return the suspicion as JSON-ready data."""
        return asdict(self)


def find_leaky_columns(
    frame: pd.DataFrame,
    y: pd.Series,
    *,
    profiles: list[ColumnProfile] | None = None,
    created_column: str | None = None,
    random_state: int = 0,
) -> list[LeakSuspect]:
    """Return the columns that probably were filled in after the outcome was known.

    `frame` holds candidate feature columns for rows with an outcome; `y` is
    0/1 in the same order. Each column appears at most once, first rule wins.
    """
    frame, y = _sample(frame, y, random_state)
    if y.nunique() < 2:
        logger.info("find_leaky_columns: one outcome only, nothing to compare")
        return []
    # A column with one value or none cannot give anything away.
    frame = frame.loc[:, frame.nunique(dropna=True) > 1]

    # The most telling explanation comes first; one per column is kept.
    suspects = [_by_name(name) for name in frame.columns]
    suspects += [_by_filling(frame[name], y) for name in frame.columns]
    suspects += _by_dates(frame, profiles, created_column)
    suspects += _by_signal(frame, y, random_state)
    return _first_per_column([s for s in suspects if s is not None])


def rank_columns_by_signal(
    frame: pd.DataFrame, y: pd.Series, *, random_state: int = 0
) -> list[tuple[str, float]]:
    """Return each column's cross-validated AUC on its own, best first."""
    frame, y = _sample(frame, y, random_state)
    if y.nunique() < 2:
        return [(str(name), 0.5) for name in frame.columns]
    folds = list(_folds(y, random_state))
    target = y.to_numpy(float)
    scores = [
        (str(name), _single_column_auc(_groups(frame[name]), target, folds))
        for name in frame.columns
    ]
    return sorted(scores, key=lambda pair: -pair[1])


def _sample(
    frame: pd.DataFrame, y: pd.Series, random_state: int
) -> tuple[pd.DataFrame, pd.Series]:
    y = pd.Series(np.asarray(y, dtype=float), index=frame.index)
    known = y.notna().to_numpy()
    frame, y = frame[known], y[known]
    # Large files are judged on a random 20,000 rows: enough to see any
    # column that gives the outcome away for a real share of leads, in
    # bounded time. A leak confined to a few dozen rows is not seen, but
    # it also moves a model too little to inflate its measures.
    if len(y) > SAMPLE_ROWS:
        rows = np.random.default_rng(random_state).choice(
            len(y), SAMPLE_ROWS, replace=False
        )
        frame, y = frame.iloc[np.sort(rows)], y.iloc[np.sort(rows)]
    return frame, y.astype(int)


# --- rules ------------------------------------------------------------------


def _by_name(name: object) -> LeakSuspect | None:
    words = _words(str(name))
    for phrase in SNAPSHOT_PHRASES:
        if phrase in words:
            return LeakSuspect(
                str(name),
                f"Its name suggests a snapshot of the lead's latest activity "
                f"('{phrase}'), which may have been taken after the outcome was "
                "known.",
                "name",
            )
    for word, kind in [(w, "after") for w in AFTER_SALE_WORDS] + [
        (w, "rating") for w in RATING_WORDS
    ]:
        if re.search(rf"\b{word}\b", words):
            return LeakSuspect(str(name), _name_reason(word, kind), "name")
    return None


def _name_reason(word: str, kind: str) -> str:
    if kind == "rating":
        return (
            f"Its name suggests a rating given by the sales team ('{word}'), "
            "which may have been set after talking to the lead."
        )
    return (
        f"Its name suggests it is filled in after the sale ('{word}'), so a new "
        "lead would not have it yet."
    )


def _words(name: str) -> str:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return re.sub(r"[\s_.\-]+", " ", spaced).strip().casefold()


def _by_signal(
    frame: pd.DataFrame, y: pd.Series, random_state: int
) -> list[LeakSuspect]:
    folds = list(_folds(y, random_state))
    target = y.to_numpy(float)
    groups = {name: _groups(frame[name]) for name in frame.columns}
    aucs = {name: _single_column_auc(g, target, folds) for name, g in groups.items()}
    ranked = sorted(aucs, key=lambda name: -aucs[name])

    suspects = []
    for position, name in enumerate(ranked):
        runner_up = aucs[ranked[1]] if position == 0 and len(ranked) > 1 else None
        settled = _settled_share(groups[name], target)
        reason = _signal_reason(aucs[name], runner_up, settled)
        if reason:
            score = round(aucs[name], 3)
            suspects.append(LeakSuspect(str(name), reason, "predicts_alone", score))
    return suspects


def _signal_reason(auc: float, runner_up: float | None, settled: float) -> str | None:
    if auc >= NEAR_PERFECT_AUC:
        return (
            "On its own it predicts the outcome almost perfectly, which usually "
            "means it was filled in once the outcome was known."
        )
    if auc < STRONG_AUC:
        return None
    if runner_up is not None and auc - 0.5 >= RUNNER_UP_FACTOR * (runner_up - 0.5):
        return (
            "On its own it predicts the outcome far better than any other "
            "column, which often means it was recorded after the outcome."
        )
    if settled >= SETTLED_SHARE:
        return (
            f"For {settled:.0%} of leads its value alone settles the outcome, "
            "which often means it was recorded during or after the sale."
        )
    return None


def _by_filling(column: pd.Series, y: pd.Series) -> LeakSuspect | None:
    filled = column.notna().to_numpy()
    base = y.mean()
    minimum = max(20, 0.005 * len(y))
    for mask, state in ((filled, "filled in"), (~filled, "left empty")):
        if mask.sum() < minimum or (~mask).sum() < minimum:
            continue
        if _is_pure(y[mask].mean(), base):
            return LeakSuspect(
                str(column.name),
                f"It is {state} almost only for leads with one outcome, which "
                "suggests it is completed as part of closing the lead.",
                "filled_for_one_outcome",
            )
    return None


def _by_dates(
    frame: pd.DataFrame, profiles: list[ColumnProfile] | None, created: str | None
) -> list[LeakSuspect]:
    if created is None or created not in frame.columns:
        return []
    kinds = {profile.name: profile.kind for profile in profiles or []}
    start = _as_dates(frame[created])
    suspects = []
    for name in frame.columns:
        is_date = kinds.get(str(name)) == "date"
        is_date = is_date or pd.api.types.is_datetime64_any_dtype(frame[name])
        if name == created or not is_date:
            continue
        later = _as_dates(frame[name]) > start
        both = _as_dates(frame[name]).notna() & start.notna()
        if both.sum() and later[both].mean() >= 0.5:
            suspects.append(
                LeakSuspect(
                    str(name),
                    f"Its dates mostly come after the lead was created ('{created}'), "
                    "so a new lead would not have it yet.",
                    "date_after_creation",
                    round(float(later[both].mean()), 3),
                )
            )
    return suspects


def _as_dates(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    return parse_dates(column.astype(object))


def _first_per_column(suspects: list[LeakSuspect]) -> list[LeakSuspect]:
    seen: dict[str, LeakSuspect] = {}
    for suspect in suspects:
        seen.setdefault(suspect.column, suspect)
    return list(seen.values())


# --- single-column model ----------------------------------------------------


def _folds(y: pd.Series, random_state: int):
    n_splits = int(min(N_FOLDS, y.value_counts().min()))
    if n_splits < 2:
        return iter([])
    splitter = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    return splitter.split(np.zeros(len(y)), y)


def _groups(column: pd.Series) -> np.ndarray:
    """Return a group number per row: a category, a quantile bin, or 'missing'."""
    if pd.api.types.is_datetime64_any_dtype(column):
        column = column.astype("int64").where(column.notna())
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
        column
    )
    if numeric and column.nunique() > N_BINS:
        # Ties stay in one bin, so row order never leaks into the bins.
        codes = pd.qcut(column, N_BINS, labels=False, duplicates="drop")
        codes = codes.fillna(-1).to_numpy(int)
    else:
        codes, _ = pd.factorize(column.to_numpy(object))
    return np.where(codes < 0, codes.max() + 1, codes)


def _single_column_auc(groups: np.ndarray, y: np.ndarray, folds: list) -> float:
    """Return the AUC of each group's out-of-fold conversion rate."""
    if not folds:
        return 0.5
    k = int(groups.max()) + 1
    predicted = np.zeros(len(y))
    for train, test in folds:
        rows = np.bincount(groups[train], minlength=k)
        converted = np.bincount(groups[train], weights=y[train], minlength=k)
        prior = y[train].mean()
        rate = (converted + prior * SMOOTHING) / (rows + SMOOTHING)
        predicted[test] = rate[groups[test]]
    return float(roc_auc_score(y, predicted))


def _settled_share(groups: np.ndarray, y: np.ndarray) -> float:
    """Return the share of rows in sizeable groups that hold one outcome only."""
    k = int(groups.max()) + 1
    rows = np.bincount(groups, minlength=k)
    rate = np.bincount(groups, weights=y, minlength=k) / np.maximum(rows, 1)
    sizeable = rows >= max(30, 0.01 * len(y))
    pure = sizeable & np.array([_is_pure(r, y.mean()) for r in rate])
    return float(rows[pure].sum() / len(y))


def _is_pure(rate: float, base: float) -> bool:
    return rate <= PURITY * base or rate >= 1 - PURITY * (1 - base)
