import time

import numpy as np
import pandas as pd
import pytest

from datasets.leakage import find_leaky_columns, rank_columns_by_signal
from datasets.profiling import profile_columns
from datasets.reading import read_table
from datasets.target import encode_outcome


def flagged(path, target):
    frame = read_table(path).frame
    y = encode_outcome(frame[target], ["1", "yes"], ["0", "no"])
    return {s.column: s for s in find_leaky_columns(frame.drop(columns=target), y)}


def test_x_education_flags_columns_filled_in_by_sales(x_education_csv):
    suspects = flagged(x_education_csv, "Converted")

    for column in [
        "Tags",
        "Lead Quality",
        "Lead Profile",
        "Asymmetrique Activity Index",
        "Asymmetrique Profile Index",
        "Asymmetrique Activity Score",
        "Asymmetrique Profile Score",
        "Last Activity",
        "Last Notable Activity",
    ]:
        assert column in suspects
    for column in [
        "Lead Source",
        "Total Time Spent on Website",
        "TotalVisits",
        "Lead Origin",
    ]:
        assert column not in suspects
    assert "quality" in suspects["Lead Quality"].reason


@pytest.mark.parametrize("fixture", ["bank_csv", "bank_additional_csv"])
def test_bank_flags_call_duration_only(fixture, request):
    started = time.perf_counter()
    suspects = flagged(request.getfixturevalue(fixture), "y")

    assert time.perf_counter() - started < 10
    assert suspects["duration"].rule == "predicts_alone"
    assert not {"age", "job", "campaign"} & set(suspects)


def synthetic(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = pd.Series(rng.integers(0, 2, n))
    frame = pd.DataFrame(
        {
            "Visits": rng.normal(5, 2, n) + y * 0.5,
            "Contract ref": np.where(y == 1, rng.integers(1, 9, n).astype(str), None),
            "Noise": rng.choice(["a", "b", "c"], n),
            "Echo": np.where(y == 1, "x", "z"),
        }
    )
    return frame, y


def test_column_filled_for_one_outcome_and_perfect_predictor_are_flagged():
    frame, y = synthetic()
    suspects = {s.column: s for s in find_leaky_columns(frame, y)}

    assert suspects["Contract ref"].rule == "filled_for_one_outcome"
    assert suspects["Echo"].rule == "predicts_alone"
    assert suspects["Echo"].score > 0.95
    assert "Visits" not in suspects and "Noise" not in suspects


def test_date_after_creation_is_flagged():
    frame, y = synthetic()
    created = pd.Series(pd.date_range("2024-01-01", periods=len(y), freq="D"))
    frame = frame[["Noise"]].assign(
        Created=created,
        FollowUp=created + pd.Timedelta(days=20),
        Birth=created - pd.Timedelta(days=9000),
    )
    profiles = profile_columns(frame)
    suspects = find_leaky_columns(frame, y, profiles=profiles, created_column="Created")

    found = [(s.column, s.rule) for s in suspects]
    assert found == [("FollowUp", "date_after_creation")]


def test_rank_columns_puts_strongest_signal_first():
    frame, y = synthetic()
    ranking = rank_columns_by_signal(frame, y)

    assert {name for name, _ in ranking[:2]} == {"Echo", "Contract ref"}
    assert ranking[0][1] == pytest.approx(1.0)
    assert ranking[-1][0] == "Noise"
    assert [name for name, _ in ranking].index("Visits") < 3
