import numpy as np
import pandas as pd
import pytest

from modeling import features
from modeling.features import BLANK, prepare_features

KINDS = {
    "n": "number",
    "c": "category",
    "yn": "yes_no",
    "f": "category",
    "d": "date",
    "gone": "category",
}


def messy_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)

    def pick(values: list) -> list:
        return [values[i] for i in rng.integers(0, len(values), n)]

    return pd.DataFrame(
        {
            "n": pick(["1", " 2.5 ", "x", None, "", "1e3", 7, np.nan]),
            "c": pick(["Google", " Google ", "", None, "Ads", np.nan]),
            "yn": pick(["Yes", "no", " TRUE", "0", "1.0", None, "maybe"]),
            "f": pd.Series(pick([1.0, 2.5, np.nan, 3.0]), dtype="float64"),
            "d": pick(["2024-01-05", "05/02/2024", None, "not a date"]),
        }
    )


def test_one_lead_is_prepared_exactly_like_a_large_file():
    frame = messy_frame(500)

    vectorised = prepare_features(frame, KINDS)
    row_by_row = pd.concat(
        [prepare_features(frame.iloc[i : i + 50], KINDS) for i in range(0, 500, 50)]
    )

    pd.testing.assert_frame_equal(vectorised, row_by_row)
    assert features.SMALL_FRAME < 500 and 50 <= features.SMALL_FRAME


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("number", " 2.5 ", 2.5),
        ("category", "  Ads ", "Ads"),
        ("category", "", BLANK),
        ("yes_no", " TRUE", "Yes"),
        ("yes_no", 0, "No"),
        ("category", None, BLANK),
    ],
)
def test_values_are_cleaned_the_same_way_for_one_lead(kind, value, expected):
    prepared = prepare_features(pd.DataFrame({"x": [value]}), {"x": kind})
    assert prepared["x"].iloc[0] == expected


def test_a_column_the_lead_lacks_counts_as_blank():
    prepared = prepare_features(pd.DataFrame({"other": [1]}), {"gone": "category"})
    assert prepared["gone"].iloc[0] == BLANK
