"""Combinations of traits that convert far above or below average.

A trait is one condition on one column ("Lead Source is Reference", "Total
Time Spent on Website is 1,200 or more"). Pairs and triples of traits are
counted on the training leads, kept when their conversion rate is far from
average and beats each trait alone, and then confirmed on held-out leads,
so a marketer is never shown a pattern that was luck.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from modeling.features import BLANK

MIN_SHARE = 0.01
MIN_LEADS = 30
MIN_TEST_LEADS = 10
HIGH_LIFT = 1.5
LOW_LIFT = 0.5
# A combination must beat its best single trait by this factor, or it adds
# nothing a single column would not say.
BEATS_SINGLE = 1.15
CONFIRM_LIFT_HIGH = 1.25
CONFIRM_LIFT_LOW = 0.8
TOP_PAIRS_EXTENDED = 30
MAX_SEGMENTS = 8


@dataclass
class Trait:
    column: str
    text: str
    rule: tuple  # ("is", value), ("at_most", x), ("at_least", x) or ("blank",)
    mask: np.ndarray


def find_segments(
    X: pd.DataFrame,
    y: pd.Series,
    train: np.ndarray,
    test: np.ndarray,
    *,
    max_segments: int = MAX_SEGMENTS,
) -> list[dict]:
    """Return confirmed segments, highest lift first, then the lowest.

    Each is a dict with `traits` (list of text), `leads` and `rate` on the
    training rows, `test_leads` and `test_rate` on held-out rows, `lift`
    (held-out rate over the average) and a one-line `text`.
    """
    y = np.asarray(y, dtype=float)
    traits = list_traits(X.iloc[train])
    if len(traits) < 2 or y[train].mean() in (0.0, 1.0):
        return []
    candidates = _combinations(traits, y[train])
    average = y.mean()
    X_test = X.iloc[test]
    confirmed = []
    for combo, train_rate, n in candidates:
        mask = np.logical_and.reduce(
            [rule_mask(X_test[t.column], t.rule) for t in combo]
        )
        n_test = int(mask.sum())
        if n_test < MIN_TEST_LEADS:
            continue
        test_rate = float(y[test][mask].mean())
        lift = test_rate / average
        high = train_rate >= y[train].mean()
        if (high and lift >= CONFIRM_LIFT_HIGH) or (
            not high and lift <= CONFIRM_LIFT_LOW
        ):
            confirmed.append(_segment(combo, n, train_rate, n_test, test_rate, lift))
    ups = _distinct(
        sorted((s for s in confirmed if s["lift"] > 1), key=lambda s: -s["lift"])
    )
    downs = _distinct(
        sorted((s for s in confirmed if s["lift"] <= 1), key=lambda s: s["lift"])
    )
    n_down = min(len(downs), max_segments // 4)
    return ups[: max_segments - n_down] + downs[:n_down]


def list_traits(X: pd.DataFrame) -> list[Trait]:
    """Return the frequent single conditions of the frame's columns."""
    min_rows = max(MIN_LEADS, int(len(X) * MIN_SHARE))
    traits = []
    for column in X.columns:
        for text, rule in _rules(X[column]):
            mask = rule_mask(X[column], rule)
            if mask.sum() >= min_rows and (~mask).sum() >= min_rows:
                traits.append(Trait(column, text, rule, mask))
    return traits


def rule_mask(values: pd.Series, rule: tuple) -> np.ndarray:
    """Return which rows meet a trait's rule."""
    if rule[0] == "blank":
        return values.isna().to_numpy()
    if rule[0] == "is":
        return (values == rule[1]).to_numpy()
    filled = values.notna().to_numpy()
    if rule[0] == "at_most":
        return filled & (values <= rule[1]).to_numpy()
    return filled & (values >= rule[1]).to_numpy()


def _rules(values: pd.Series):
    column = values.name
    if pd.api.types.is_datetime64_any_dtype(values):
        return
    if pd.api.types.is_numeric_dtype(values):
        if values.notna().sum() >= 4:
            low, high = (float(q) for q in values.quantile([0.25, 0.75]))
            if low < high:
                yield f"{column} is {low:,.4g} or less", ("at_most", low)
                yield f"{column} is {high:,.4g} or more", ("at_least", high)
        yield f"{column} is blank", ("blank",)
        return
    for value in values.value_counts().index:
        label = "blank" if value == BLANK else value
        yield f"{column} is {label}", ("is", value)


def _combinations(
    traits: list[Trait], y: np.ndarray
) -> list[tuple[tuple[Trait, ...], float, int]]:
    """Return pairs and triples far from the average rate, best first."""
    T = np.column_stack([t.mask for t in traits]).astype(np.float32)
    base = y.mean()
    single_rate = (T * y[:, None]).sum(0) / T.sum(0)
    support = T.T @ T
    converted = T.T @ (T * y[:, None])
    columns = np.array([t.column for t in traits])
    min_rows = max(MIN_LEADS, int(len(y) * MIN_SHARE))

    found = []
    for i, j in zip(*np.triu_indices(len(traits), k=1)):
        n = support[i, j]
        if columns[i] == columns[j] or n < min_rows:
            continue
        rate = converted[i, j] / n
        if _far_from(rate, base, single_rate[[i, j]]):
            found.append(((traits[i], traits[j]), float(rate), int(n)))
    found.sort(
        key=lambda item: -abs(np.log((item[1] + 1e-6) / base)) * np.sqrt(item[2])
    )
    return found + _triples(found[:TOP_PAIRS_EXTENDED], traits, y, min_rows)


def _triples(pairs, traits, y, min_rows):
    base = y.mean()
    found = []
    for (a, b), pair_rate, _ in pairs:
        pair_mask = a.mask & b.mask
        for c in traits:
            if c.column in (a.column, b.column):
                continue
            mask = pair_mask & c.mask
            n = int(mask.sum())
            if n < min_rows:
                continue
            rate = float(y[mask].mean())
            if _far_from(rate, base, np.array([pair_rate])):
                found.append(((a, b, c), rate, n))
    return found


def _far_from(rate: float, base: float, singles: np.ndarray) -> bool:
    if rate >= base * HIGH_LIFT:
        return rate >= singles.max() * BEATS_SINGLE
    if rate <= base * LOW_LIFT:
        return rate * BEATS_SINGLE <= singles.min()
    return False


def _segment(combo, n, train_rate, n_test, test_rate, lift) -> dict:
    traits = [t.text for t in combo]
    times = f"{lift:.1f}x the average rate"
    return {
        "traits": traits,
        "leads": n,
        "rate": round(train_rate, 4),
        "test_leads": n_test,
        "test_rate": round(test_rate, 4),
        "lift": round(float(lift), 2),
        "text": f"{' + '.join(traits)}: {times}, {n + n_test:,} leads",
    }


def _distinct(segments: list[dict]) -> list[dict]:
    """Drop a segment whose traits contain an already listed one's."""
    kept = []
    for segment in segments:
        traits = set(segment["traits"])
        if not any(set(other["traits"]) <= traits for other in kept):
            kept.append(segment)
    return kept
