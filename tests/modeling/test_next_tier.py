"""The smallest change to one field that moves a lead up a tier."""

import numpy as np
import pandas as pd
import pytest

from modeling.features import prepare_features
from modeling.next_tier import (
    candidate_values,
    is_changeable,
    next_threshold,
    smallest_change,
)
from modeling.training import train_and_evaluate

KINDS = {
    "Lead Source": "category",
    "Country": "category",
    "Pages visited": "number",
    "Budget": "category",
    "Signed up": "date",
}
TIERS = {"Hot": 0.7, "Warm": 0.3, "Cold": 0.0}


def make_history(n: int = 5000, *, random_state: int = 5) -> pd.DataFrame:
    """Return leads whose chance is a known logistic curve: each page visited
    adds 0.35 to the log-odds, an approved budget 2.0, a pending one 0.8, and
    coming by referral 2.5; the country does nothing."""
    rng = np.random.default_rng(random_state)
    source = rng.choice(["Search", "Referral", "Ads"], size=n)
    pages = rng.poisson(4, size=n).astype(float)
    budget = rng.choice(["Approved", "Pending", "None"], size=n, p=[0.3, 0.3, 0.4])
    logit = (
        -2.5
        + 0.35 * pages
        + np.select([budget == "Approved", budget == "Pending"], [2.0, 0.8], 0.0)
        + np.where(source == "Referral", 2.5, 0.0)
    )
    return pd.DataFrame(
        {
            "Lead Source": source,
            "Country": rng.choice(["India", "UK", "US"], size=n),
            "Pages visited": pages,
            "Budget": budget,
            "Signed up": pd.date_range("2024-01-01", periods=n, freq="h"),
            "Converted": rng.random(n) < 1 / (1 + np.exp(-logit)),
        }
    )


@pytest.fixture(scope="module")
def trained():
    history = make_history()
    return train_and_evaluate(
        history, history["Converted"].astype(float), KINDS, "logistic"
    )


def lead(source: str, pages: float, budget: str) -> pd.DataFrame:
    row = {"Lead Source": source, "Country": "UK", "Pages visited": pages}
    row |= {"Budget": budget, "Signed up": "2024-03-01"}
    return prepare_features(pd.DataFrame([row]), KINDS)


@pytest.mark.parametrize(
    ("column", "kind", "changeable"),
    [
        ("Pages visited", "number", True),
        ("TotalVisits", "number", True),
        ("Total Time Spent on Website", "number", True),
        ("Budget", "category", True),
        ("What matters most to you in choosing a course", "category", True),
        ("Lead Source", "category", False),
        ("Country", "category", False),
        ("What is your current occupation", "category", False),
        ("Signed up", "date", False),
        ("Last visit", "date", False),
        ("balance", "number", False),
    ],
)
def test_only_behaviour_and_answers_count_as_changeable(column, kind, changeable):
    assert is_changeable(column, kind) is changeable


def test_the_model_keeps_values_to_try_for_changeable_columns_only(trained):
    changes = trained.changes

    assert set(changes) == {"Pages visited", "Budget"}
    assert set(changes["Budget"]["values"]) == {"Approved", "Pending", "None"}
    pages = changes["Pages visited"]
    assert pages["values"] == sorted(pages["values"]) and len(pages["values"]) >= 5
    assert 0 < pages["ranks"][0] < pages["ranks"][-1] <= 1


def test_a_small_step_in_pages_beats_switching_the_budget(trained):
    # 3 pages, no budget: just under Warm. One or two more pages lift it,
    # passing fewer leads than a budget switch costs.
    row = lead("Search", 3.0, "None")

    change = smallest_change(trained.model, row, TIERS, trained.changes)

    assert change["column"] == "Pages visited"
    assert 3 < float(change["to"]) <= 6
    assert 0.3 <= change["proba"] < 0.7 and change["tier"] == "Warm"
    assert change["text"].startswith(
        f"If Pages visited were {change['to']} instead of 3, the chance would rise"
    )
    assert change["text"].endswith("(Warm)")


def test_an_answer_is_switched_when_no_plausible_page_count_is_enough(trained):
    # No pages, no budget: many more pages would be needed, an approved
    # budget alone lifts it; coming by referral would too, but cannot change.
    row = lead("Search", 0.0, "None")

    change = smallest_change(trained.model, row, TIERS, trained.changes)

    assert (change["column"], change["from"], change["to"]) == (
        "Budget",
        "None",
        "Approved",
    )
    proba = trained.model.predict_proba(row)[0, 1]
    assert proba < 0.3 <= change["proba"]
    assert change["text"] == (
        "If Budget were Approved instead of None, the chance would rise to "
        f"{change['proba']:.0%} (Warm)"
    )


def test_a_blank_is_filled_in_with_an_ordinary_value(trained):
    row = lead("Search", np.nan, "None")

    change = smallest_change(trained.model, row, TIERS, trained.changes)

    assert change["column"] == "Pages visited" and change["from"] == "blank"
    assert "instead of blank" in change["text"]


def test_a_lead_in_the_top_tier_has_nowhere_to_go(trained):
    row = lead("Referral", 8.0, "Approved")

    assert trained.model.predict_proba(row)[0, 1] >= 0.7
    assert smallest_change(trained.model, row, TIERS, trained.changes) is None


def test_no_suggestion_when_no_single_change_is_enough(trained):
    # A budget already approved and a high bar: no page count seen in
    # training reaches it alone.
    row = lead("Search", 2.0, "Approved")

    strict = {"Top": 0.97, "Warm": 0.3, "Cold": 0.0}

    assert smallest_change(trained.model, row, strict, trained.changes) is None


def test_without_changeable_columns_nothing_is_suggested(trained):
    row = lead("Search", 0.0, "None")

    assert smallest_change(trained.model, row, TIERS, {}) is None


def test_values_rarer_than_the_model_keeps_are_not_tried():
    X = pd.DataFrame({"Budget": ["Approved"] * 50 + ["Pending"] * 40 + ["Typo"] * 2})

    found = candidate_values(X, {"Budget": "category"})

    assert found["Budget"]["values"] == ["Approved", "Pending"]


@pytest.mark.parametrize(
    ("proba", "expected"), [(0.1, 0.3), (0.3, 0.7), (0.69, 0.7), (0.7, None)]
)
def test_the_next_threshold_is_the_lowest_bound_above(proba, expected):
    assert next_threshold(proba, TIERS) == expected
