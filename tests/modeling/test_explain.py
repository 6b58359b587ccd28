"""Reasons from a model taken apart match reasons from the whole model."""

import numpy as np
import pandas as pd
import pytest

from modeling.explain import explain_rows, split_model
from modeling.features import prepare_features
from modeling.pipeline import ALGORITHMS, build_pipeline, fit_calibrated
from modeling.training import typical_row

KINDS = {
    "Source": "category",
    "Minutes": "number",
    "Pages": "number",
    "Never asked": "number",
    "Newsletter": "yes_no",
    "Signed up": "date",
}


def make_history(n: int, *, random_state: int = 4) -> tuple[pd.DataFrame, pd.Series]:
    """Return leads of every kind of column, with blanks, rare values and a
    column nobody ever filled in, and whether each converted."""
    rng = np.random.default_rng(random_state)
    source = rng.choice(["Search", "Referral", "Event", "Ads"], size=n)
    source[rng.random(n) < 0.002] = "Typo"  # rarer than the encoders keep
    minutes = rng.gamma(2.0, 8.0, size=n).round(1)
    minutes[rng.random(n) < 0.1] = np.nan
    pages = rng.poisson(3, size=n).astype(float)
    newsletter = rng.choice(["yes", "no", None], size=n)
    signed_up = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 365, size=n), unit="D"
    )
    logit = -2.5 + 0.08 * np.nan_to_num(minutes, nan=5) + 0.3 * pages
    logit += np.where(source == "Referral", 1.5, 0.0)
    logit += np.where(newsletter == "yes", 0.7, 0.0)
    frame = pd.DataFrame(
        {
            "Source": source,
            "Minutes": minutes,
            "Pages": pages,
            "Never asked": np.nan,
            "Newsletter": newsletter,
            "Signed up": signed_up.astype(str),
        }
    )
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float))
    return frame, y


class WholeModel:
    """Shows explain_rows only predict_proba, so it cannot take it apart."""

    def __init__(self, model):
        self.model = model

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(X)


def kinds_for(algorithm: str) -> dict[str, str]:
    # Boosting's binning cannot take a column with no value at all; the other
    # algorithms' imputers leave it out, which the reasons must follow.
    if algorithm == "boosting":
        return {k: v for k, v in KINDS.items() if k != "Never asked"}
    return KINDS


def comparable(reasons: list[list[dict]]) -> list[list[tuple]]:
    return [[(r["column"], r["value"], r["text"]) for r in row] for row in reasons]


@pytest.mark.filterwarnings("ignore:Skipping features without any observed values")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("n_rows", [1500, 12_000], ids=["sigmoid", "isotonic"])
def test_reasons_match_swapping_each_column_through_the_whole_model(algorithm, n_rows):
    frame, y = make_history(n_rows)
    kinds = kinds_for(algorithm)
    X = prepare_features(frame, kinds)
    model = fit_calibrated(kinds, algorithm, X, y, n_jobs=1)
    leads, typical = X.sample(400, random_state=1), typical_row(X)

    proba, reasons = explain_rows(model, leads, typical)
    expected_proba, expected = explain_rows(WholeModel(model), leads, typical)

    parts = split_model(model, list(X.columns))
    assert parts is not None
    # Tree models are walked tree by tree (tree_paths), and must agree.
    assert (parts.trees is not None) == (algorithm != "logistic")
    assert proba == pytest.approx(model.predict_proba(leads)[:, 1], abs=1e-9)
    assert proba == pytest.approx(expected_proba, abs=1e-9)
    assert comparable(reasons) == comparable(expected)
    effects = [r["effect"] for row in reasons for r in row]
    assert effects == pytest.approx(
        [r["effect"] for row in expected for r in row], abs=1e-4
    )
    assert sum(map(len, reasons)) > len(leads)  # reasons were found at all
    # A single lead (the API's case) goes through the transformers one by one.
    for lead in range(5):
        one = leads.iloc[lead : lead + 1]
        one_proba, one_reasons = explain_rows(model, one, typical)
        assert one_proba == pytest.approx(proba[lead : lead + 1], abs=1e-12)
        assert comparable(one_reasons) == comparable(reasons[lead : lead + 1])


@pytest.mark.filterwarnings("ignore:Skipping features without any observed values")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_uncalibrated_pipeline_is_explained_the_same_way(algorithm):
    frame, y = make_history(1500)
    kinds = kinds_for(algorithm)
    X = prepare_features(frame, kinds)
    pipeline = build_pipeline(kinds, algorithm, n_jobs=1).fit(X, y)
    lead, typical = X.iloc[:1], typical_row(X)

    proba, reasons = explain_rows(pipeline, lead, typical)
    expected_proba, expected = explain_rows(WholeModel(pipeline), lead, typical)

    assert proba == pytest.approx(expected_proba, abs=1e-9)
    assert comparable(reasons) == comparable(expected)


@pytest.mark.filterwarnings("ignore:Skipping features without any observed values")
def test_a_lead_like_the_typical_one_has_no_reasons():
    frame, y = make_history(1500)
    X = prepare_features(frame, KINDS)
    model = fit_calibrated(KINDS, "forest", X, y, n_jobs=1)
    typical = typical_row(X)
    lead = prepare_features(pd.DataFrame([typical]), KINDS)

    _, reasons = explain_rows(model, lead, typical)

    assert reasons == [[]]


def reasons_one_row_at_a_time(X: pd.DataFrame, effects: np.ndarray) -> list:
    """The reasons as they were built before, row by row, for comparison."""

    def shown(value):
        if value is None or value is pd.NaT:
            return "blank"
        if isinstance(value, float):
            if np.isnan(value):
                return "blank"
            return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        return "blank" if value == "(blank)" else str(value)

    reasons = []
    for i in range(len(X)):
        row, found = X.iloc[i], []
        for j in np.argsort(-np.abs(effects[i]))[:3]:
            effect = float(effects[i, j])
            if abs(effect) < 0.01:
                break
            points = abs(effect) * 100
            unit = "point" if round(points) == 1 else "points"
            direction = "raises" if effect > 0 else "lowers"
            value = shown(row.iloc[j])
            text = f"{row.index[j]} is {value}: {direction} the chance by "
            found.append(
                {
                    "column": row.index[j],
                    "value": value,
                    "effect": round(effect, 4),
                    "text": f"{text}{points:.0f} {unit}",
                }
            )
        reasons.append(found)
    return reasons


def test_reasons_read_exactly_as_before():
    from modeling.explain import _reasons

    frame, _ = make_history(300)
    X = prepare_features(frame, KINDS)
    rng = np.random.default_rng(5)
    effects = rng.normal(0, 0.08, size=X.shape).round(5)
    # Halves of a point and of the fourth decimal, where rounding could differ.
    effects[:50, 0] = rng.choice([0.015, -0.025, 0.125, 0.00995, 0.123450], 50)

    assert _reasons(X, effects, 3) == reasons_one_row_at_a_time(X, effects)


class SumOfColumns:
    """A model whose chance rises with every column alike: equal effects."""

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        chance = 1 / (1 + np.exp(2 - X.to_numpy(dtype=float).sum(axis=1) / 8))
        return np.column_stack([1 - chance, chance])


def test_columns_with_equal_effects_are_listed_in_the_files_order():
    names = [f"Answer {n}" for n in range(1, 25)]
    lead = pd.DataFrame([[1.0] * 23 + [3.0]], columns=names)

    _, [reasons] = explain_rows(SumOfColumns(), lead, dict.fromkeys(names, 0.0))

    assert [r["column"] for r in reasons] == ["Answer 24", "Answer 1", "Answer 2"]
