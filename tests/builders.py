"""Builders of small, known lead histories for tests and benchmarks."""

import numpy as np
import pandas as pd


def make_leads(n: int = 600, *, random_state: int = 0) -> pd.DataFrame:
    """Return a lead history where source and time on site drive conversion."""
    rng = np.random.default_rng(random_state)
    source = rng.choice(["Google", "Referral", "Newsletter", "Event"], size=n)
    minutes = rng.gamma(2.0, 8.0, size=n).round(1)
    employees = rng.choice(["1-10", "11-50", "51-200", "200+"], size=n)
    logit = -3.0 + 0.12 * minutes + np.where(source == "Referral", 2.0, 0.0)
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "Lead ID": [f"L{i:05d}" for i in range(n)],
            "Source": source,
            "Minutes on site": minutes,
            "Employees": employees,
            "Converted": np.where(converted, "Yes", "No"),
        }
    )


def make_segment_history(n: int = 4000, *, random_state: int = 1) -> pd.DataFrame:
    """Return leads where only the pair (Webinar, 11-50 staff) converts often.

    Neither trait alone is special, so only a search for combinations finds it.
    """
    rng = np.random.default_rng(random_state)
    source = rng.choice(["Webinar", "Search", "Partner", "Social"], size=n)
    staff = rng.choice(["1-10", "11-50", "51-200"], size=n)
    pages = rng.poisson(4, size=n).astype(float)
    planted = (source == "Webinar") & (staff == "11-50")
    chance = np.where(planted, 0.6, 0.12)
    converted = rng.random(n) < chance
    return pd.DataFrame(
        {
            "Source": source,
            "Staff": staff,
            "Pages": pages,
            "Converted": np.where(converted, "yes", "no"),
        }
    )


def make_logistic_history(n: int = 6000, *, random_state: int = 2) -> pd.DataFrame:
    """Return leads whose true chance to convert is a known logistic curve."""
    rng = np.random.default_rng(random_state)
    visits = rng.normal(0, 1, size=n)
    score = rng.normal(0, 1, size=n)
    chance = 1 / (1 + np.exp(-(-0.5 + 1.2 * visits + 0.8 * score)))
    return pd.DataFrame(
        {
            "Visits": visits,
            "Score": score,
            "Converted": rng.random(n) < chance,
            "Created": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )


def make_wide_history(
    n: int = 100_000,
    *,
    n_numbers: int = 20,
    n_categories: int = 20,
    random_state: int = 3,
) -> pd.DataFrame:
    """Return a large lead history with 40 columns, a few of which matter."""
    rng = np.random.default_rng(random_state)
    columns = {}
    logit = np.full(n, -2.0)
    for i in range(n_numbers):
        values = rng.normal(0, 1, n)
        logit += values * (0.6 if i < 4 else 0.0)
        values[rng.random(n) < 0.05] = np.nan
        columns[f"number_{i}"] = values
    for i in range(n_categories):
        levels = np.array([f"level_{k}" for k in range(3 + i % 10)])
        values = levels[rng.integers(0, len(levels), n)]
        if i < 3:
            logit += np.where(values == "level_1", 1.0, 0.0)
        columns[f"category_{i}"] = values
    columns["Converted"] = np.where(
        rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no"
    )
    return pd.DataFrame(columns)
