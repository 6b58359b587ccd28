"""Combinations of traits that convert far above or below average.

A trait is one condition on one column ("Lead Source is Reference", "Total
Time Spent on Website is 1,200 or more"). Pairs and triples of traits are
counted on the training leads, kept when their conversion rate is far from
average and beats each trait alone, and then confirmed on held-out leads,
so a marketer is never shown a pattern that was luck.

Each column is read once into small codes (a category's value, a number's
band), so that counting every pair is two matrix products.
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
# A number's codes: blank, at most its lower quartile, between, at least its
# upper quartile. A category's codes are its values' positions; unseen is -1.
BLANK_CODE, LOW_CODE, MIDDLE_CODE, HIGH_CODE = 0, 1, 2, 3


@dataclass
class Trait:
    column: str
    text: str
    position: int  # the column's place in the frame
    code: int


@dataclass
class Counts:
    """Leads meeting each combination of traits, and how many converted."""

    train: np.ndarray
    train_converted: np.ndarray
    test: np.ndarray
    test_converted: np.ndarray


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
    codes, traits = encode_traits(X, train)
    if len(traits) < 2 or y[train].mean() in (0.0, 1.0):
        return []
    combos, counts = _combinations(
        traits,
        (trait_matrix(codes[train], traits), y[train]),
        (trait_matrix(codes[test], traits), y[test]),
    )

    train_rate = counts.train_converted / np.maximum(counts.train, 1)
    test_rate = counts.test_converted / np.maximum(counts.test, 1)
    lift = test_rate / y.mean()
    high = train_rate >= y[train].mean()
    confirmed = (counts.test >= MIN_TEST_LEADS) & np.where(
        high, lift >= CONFIRM_LIFT_HIGH, lift <= CONFIRM_LIFT_LOW
    )
    segments = [
        _segment(
            [traits[i] for i in combos[k]],
            int(counts.train[k]),
            float(train_rate[k]),
            int(counts.test[k]),
            float(test_rate[k]),
            float(lift[k]),
        )
        for k in np.flatnonzero(confirmed)
    ]
    ups = _distinct(
        sorted((s for s in segments if s["lift"] > 1), key=lambda s: -s["lift"])
    )
    downs = _distinct(
        sorted((s for s in segments if s["lift"] <= 1), key=lambda s: s["lift"])
    )
    n_down = min(len(downs), max_segments // 4)
    return ups[: max_segments - n_down] + downs[:n_down]


def encode_traits(X: pd.DataFrame, train: np.ndarray) -> tuple[np.ndarray, list[Trait]]:
    """Return every row's code per column, shape (rows, columns), and the
    traits that are neither rare nor near-universal among training rows.

    Bands and values come from the training rows only, so held-out rows are
    read exactly as a new lead would be.
    """
    min_rows = max(MIN_LEADS, int(len(train) * MIN_SHARE))
    codes = np.full((len(X), X.shape[1]), -1, dtype=np.int32)
    traits = []
    for j, column in enumerate(X.columns):
        values = X[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        if pd.api.types.is_numeric_dtype(values):
            codes[:, j], texts = _number_codes(values, values.iloc[train])
        else:
            codes[:, j], texts = _category_codes(values, values.iloc[train])
        n_train = np.bincount(codes[train, j] + 1, minlength=len(texts) + 1)[1:]
        for code, text in texts.items():
            if min_rows <= n_train[code] <= len(train) - min_rows:
                traits.append(Trait(column, text, j, code))
    return codes, traits


def _number_codes(
    values: pd.Series, seen: pd.Series
) -> tuple[np.ndarray, dict[int, str]]:
    column = values.name
    number = values.to_numpy(dtype=float, na_value=np.nan)
    codes = np.where(np.isnan(number), BLANK_CODE, MIDDLE_CODE)
    texts = {}
    if seen.notna().sum() >= 4:
        low, high = (float(q) for q in seen.quantile([0.25, 0.75]))
        if low < high:
            codes[number <= low] = LOW_CODE
            codes[number >= high] = HIGH_CODE
            texts[LOW_CODE] = f"{column} is {low:,.4g} or less"
            texts[HIGH_CODE] = f"{column} is {high:,.4g} or more"
    texts[BLANK_CODE] = f"{column} is blank"
    return codes, texts


def _category_codes(
    values: pd.Series, seen: pd.Series
) -> tuple[np.ndarray, dict[int, str]]:
    column = values.name
    known = seen.value_counts().index
    texts = {
        code: f"{column} is {'blank' if value == BLANK else value}"
        for code, value in enumerate(known)
    }
    return known.get_indexer(values), texts


def trait_matrix(codes: np.ndarray, traits: list[Trait]) -> np.ndarray:
    """Return a (rows, traits) matrix holding 1.0 where a row has the trait."""
    columns = [codes[:, trait.position] == trait.code for trait in traits]
    # float32 counts exactly up to 16 million rows and halves the products.
    return np.column_stack(columns).astype(np.float32)


def _combinations(
    traits: list[Trait],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
) -> tuple[list[tuple[int, ...]], Counts]:
    """Return pairs and triples far from the average rate, best pairs first,
    as trait positions with their counts on training and held-out rows.

    `train` and `test` each hold a trait matrix and the rows' outcomes.
    """
    (T, y), (T_test, y_test) = train, test
    min_rows = max(MIN_LEADS, int(len(y) * MIN_SHARE))
    # Outcomes are 0 or 1, so a pair's conversions count over converted rows.
    converted_rows = T[y == 1]
    support, converted = T.T @ T, converted_rows.T @ converted_rows
    single = np.diagonal(converted) / np.diagonal(support)
    columns = np.array([trait.position for trait in traits])

    i, j = np.triu_indices(len(traits), k=1)
    n, hits = support[i, j], converted[i, j]
    rate = hits / np.maximum(n, 1)
    kept = (columns[i] != columns[j]) & (n >= min_rows)
    kept &= _far_from(
        rate,
        y.mean(),
        np.maximum(single[i], single[j]),
        np.minimum(single[i], single[j]),
    )
    strength = np.abs(np.log((rate + 1e-6) / y.mean())) * np.sqrt(n)
    # Strongest first; a stable sort keeps equals in the order of the traits.
    order = np.flatnonzero(kept)[np.argsort(-strength[kept], kind="stable")]
    i, j = i[order], j[order]

    test_support = T_test.T @ T_test
    converted_test = T_test[y_test == 1]
    test_converted = converted_test.T @ converted_test
    pairs = Counts(n[order], hits[order], test_support[i, j], test_converted[i, j])
    top = list(zip(i[:TOP_PAIRS_EXTENDED], j[:TOP_PAIRS_EXTENDED], strict=True))
    triples, triple_counts = _triples(top, columns, train, test, min_rows)
    combos = list(zip(i.tolist(), j.tolist(), strict=True)) + triples
    return combos, _joined(pairs, triple_counts)


def _triples(
    pairs: list[tuple[int, int]],
    columns: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    min_rows: int,
) -> tuple[list[tuple[int, int, int]], list[Counts]]:
    """Return the pairs extended by a third trait from another column that
    moves the rate far from average and beyond the pair's own rate."""
    (T, y), (T_test, y_test) = train, test
    combos, counts = [], []
    for a, b in pairs:
        # Only the rows holding the pair can hold a triple that extends it.
        rows = np.flatnonzero(T[:, a] * T[:, b])
        n, converted = T[rows].sum(0), y[rows] @ T[rows]
        rate = converted / np.maximum(n, 1)
        pair_rate = y[rows].mean()
        other = (columns != columns[a]) & (columns != columns[b])
        kept = other & (n >= min_rows)
        kept &= _far_from(rate, y.mean(), pair_rate, pair_rate)
        third = np.flatnonzero(kept)
        rows_test = np.flatnonzero(T_test[:, a] * T_test[:, b])
        held = T_test[rows_test][:, third]
        n_test, converted_test = held.sum(0), y_test[rows_test] @ held
        combos.extend((int(a), int(b), int(c)) for c in third)
        counts.append(Counts(n[third], converted[third], n_test, converted_test))
    return combos, counts


def _far_from(
    rate: np.ndarray, base: float, best: np.ndarray, worst: np.ndarray
) -> np.ndarray:
    """Return where a rate is far from the base and beyond its parts' rates:
    above `best` when high, below `worst` when low."""
    high = (rate >= base * HIGH_LIFT) & (rate >= best * BEATS_SINGLE)
    low = (rate <= base * LOW_LIFT) & (rate * BEATS_SINGLE <= worst)
    return high | low


def _joined(first: Counts, rest: list[Counts]) -> Counts:
    parts = [first, *rest]
    return Counts(
        *(
            np.concatenate([getattr(part, name) for part in parts]).astype(float)
            for name in ("train", "train_converted", "test", "test_converted")
        )
    )


def _segment(
    traits: list[Trait],
    n: int,
    train_rate: float,
    n_test: int,
    test_rate: float,
    lift: float,
) -> dict:
    texts = [t.text for t in traits]
    times = f"{lift:.1f}x the average rate"
    return {
        "traits": texts,
        "leads": n,
        "rate": round(train_rate, 4),
        "test_leads": n_test,
        "test_rate": round(test_rate, 4),
        "lift": round(lift, 2),
        "text": f"{' + '.join(texts)}: {times}, {n + n_test:,} leads",
    }


def _distinct(segments: list[dict]) -> list[dict]:
    """Drop a segment whose traits contain an already listed one's."""
    kept = []
    for segment in segments:
        traits = set(segment["traits"])
        if not any(set(other["traits"]) <= traits for other in kept):
            kept.append(segment)
    return kept
