import numpy as np
import pandas as pd
import pytest

from datasets.errors import DatasetError
from datasets.reading import read_table
from datasets.target import (
    encode_outcome,
    propose_outcome,
    suggest_target_column,
)


@pytest.mark.parametrize(
    ("values", "positive", "negative"),
    [
        (["Yes", "No", "No"], ["Yes"], ["No"]),
        (
            [" closed won", "Closed Lost", "Closed Lost"],
            ["closed won"],
            ["Closed Lost"],
        ),
        ([1.0, 0.0, 0.0], ["1"], ["0"]),
        (["Lost", "Won", "Lost"], ["Won"], ["Lost"]),
        (["Gold", "Silver", "Silver", "Silver"], ["Gold"], ["Silver"]),
    ],
)
def test_proposes_which_value_means_converted(values, positive, negative):
    proposal = propose_outcome(pd.Series(values, name="Outcome"))

    assert proposal.positive == positive
    assert proposal.negative == negative


def test_open_values_and_blanks_count_as_open():
    values = ["Won", "Lost", "open", "In progress", None, "Lost"]
    series = pd.Series(values, name="Stage")
    proposal = propose_outcome(series)

    assert proposal.open_values == ["open", "In progress"]
    assert proposal.open_rows == 3
    assert proposal.to_dict()["column"] == "Stage"


def test_column_without_two_outcomes_is_refused_in_plain_words():
    with pytest.raises(DatasetError, match="two outcomes"):
        propose_outcome(pd.Series(["Google", "Direct", "Olark"], name="Source"))
    with pytest.raises(DatasetError, match="'Only'"):
        propose_outcome(pd.Series(["Yes", None, "open"], name="Only"))


def test_encode_outcome_ignores_case_spaces_and_number_format():
    series = pd.Series([" YES", "no", 1, 1.0, "0", "pending", None])
    y = encode_outcome(series, ["yes", "1"], ["no", "0"])

    assert y.tolist()[:5] == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert np.isnan(y.iloc[5]) and np.isnan(y.iloc[6])
    assert y.dtype == np.float64


def test_suggests_outcome_columns_in_real_files(x_education_csv, bank_csv):
    assert suggest_target_column(read_table(x_education_csv).frame) == "Converted"
    assert suggest_target_column(read_table(bank_csv).frame) == "y"


def test_no_suggestion_without_an_outcome_like_column():
    frame = pd.DataFrame({"Status": ["a", "b", "c"], "Source": ["x", "y", "x"]})

    assert suggest_target_column(frame) is None
