"""A made-up lead history, so a new user can try the whole job in minutes.

It looks like a real CRM export on purpose: spelling variants of one source,
"N/A" for blanks, a deal-size column filled in only after a sale (which the
leakage check should catch), leads still open, chatbot qualification
answers, and one combination of traits that converts far above average.
"""

import io

import numpy as np
import pandas as pd

SOURCES = [
    "Google Ads",
    "google ads",
    "LinkedIn",
    "Linked In",
    "Referral",
    "Webinar",
    "Newsletter",
    "Trade show",
]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
INDUSTRIES = ["Software", "Retail", "Manufacturing", "Finance", "Healthcare"]
COUNTRIES = ["France", "Germany", "United Kingdom", "Spain", "Netherlands"]
BUDGETS = ["Under 10k", "10k-50k", "Over 50k", ""]
TIMELINES = ["This month", "This quarter", "Later", ""]
OPEN_SHARE = 0.12


def sample_history(n: int = 2000, *, random_state: int = 7) -> pd.DataFrame:
    """Return the sample lead history as a table of text, as a CRM exports it."""
    rng = np.random.default_rng(random_state)
    pick = lambda values, p=None: rng.choice(values, size=n, p=p)  # noqa: E731
    source, size = pick(SOURCES), pick(SIZES)
    pricing = rng.random(n) < 0.35
    minutes = rng.gamma(2.0, 4.0, n).round(1)
    budget, timeline = pick(BUDGETS), pick(TIMELINES)

    logit = -3.6 + 0.13 * minutes + 0.6 * pricing
    logit += np.where(budget == "Over 50k", 1.3, 0.0)
    logit += np.where(timeline == "This month", 1.1, 0.0)
    # The planted pattern: pricing page + LinkedIn + 11-50 staff.
    linkedin = np.char.replace(np.char.lower(source.astype(str)), " ", "") == "linkedin"
    logit += np.where(pricing & linkedin & (size == "11-50"), 3.0, 0.0)
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    still_open = rng.random(n) < OPEN_SHARE

    return pd.DataFrame(
        {
            "Lead ID": [f"SMP-{i:05d}" for i in range(1, n + 1)],
            "Created": pd.date_range("2025-01-02", periods=n, freq="5h").strftime(
                "%Y-%m-%d"
            ),
            "Source": source,
            "Industry": pick(INDUSTRIES),
            "Company size": size,
            "Country": pick(COUNTRIES),
            "Minutes on site": np.where(
                rng.random(n) < 0.04, "N/A", minutes.astype(str)
            ),
            "Visited pricing page": np.where(pricing, "Yes", "No"),
            "Budget": budget,
            "Timeline": timeline,
            "Deal size": np.where(
                converted & ~still_open,
                (rng.gamma(3, 4000, n)).round(-2).astype(int).astype(str),
                "",
            ),
            "Status": np.where(
                still_open,
                np.where(rng.random(n) < 0.5, "Open", ""),
                np.where(converted, "Won", "Lost"),
            ),
        }
    )


SAMPLE_NAME = "sample-lead-history.csv"


def is_sample(dataset) -> bool:
    """Return whether a dataset is the generated sample, not a real upload."""
    return dataset.original_name == SAMPLE_NAME


def sample_csv_bytes(n: int = 2000) -> bytes:
    """Return the sample history as a UTF-8 CSV file's bytes."""
    buffer = io.StringIO()
    sample_history(n).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")
