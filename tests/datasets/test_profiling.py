import numpy as np
import pandas as pd
import pytest

from datasets.profiling import KINDS, coerce_kinds, profile_columns
from datasets.reading import read_table


def kinds(frame):
    return {profile.name: profile.kind for profile in profile_columns(frame)}


def sample_frame():
    n = 60
    return pd.DataFrame(
        {
            "Lead ID": [f"L{i:04d}" for i in range(n)],
            "Email": [f"user{i}@example.com" for i in range(n)],
            "Visits": np.arange(n) % 7 * 1.5,
            "Source": pd.array(["Google", "Direct", "Olark"] * 20, dtype="str"),
            "Opted in": pd.array(["Yes", "No"] * 30, dtype="str"),
            "Paid": [1.0, 0.0] * 30,
            "Country": pd.array(["India"] * n, dtype="str"),
            "Fax": pd.array([np.nan] * n, dtype="str"),
            "Signed up": pd.array(
                [f"2024-0{1 + i % 9}-1{i % 10}" for i in range(n)], dtype="str"
            ),
            "Notes": pd.array(
                [
                    f"Called on day {i}, asked about the evening course"
                    for i in range(n)
                ],
                dtype="str",
            ),
        }
    )


def test_each_kind_is_recognised():
    assert kinds(sample_frame()) == {
        "Lead ID": "identifier",
        "Email": "identifier",
        "Visits": "number",
        "Source": "category",
        "Opted in": "yes_no",
        "Paid": "yes_no",
        "Country": "constant",
        "Fax": "empty",
        "Signed up": "date",
        "Notes": "text",
    }


def test_profile_reports_gaps_distinct_values_and_examples():
    values = ["Google"] * 3 + ["Direct", np.nan]
    frame = pd.DataFrame({"Source": pd.array(values, dtype="str")})
    profile = profile_columns(frame)[0]

    assert profile.missing == pytest.approx(0.2)
    assert profile.distinct == 2
    assert profile.examples == ["Google", "Direct"]
    assert profile.excluded_reason is None
    assert profile.to_dict()["kind"] in KINDS


def test_excluded_kinds_explain_why():
    profiles = {p.name: p for p in profile_columns(sample_frame())}

    assert "same value" in profiles["Country"].excluded_reason
    assert "empty" in profiles["Fax"].excluded_reason
    assert "ID" in profiles["Lead ID"].excluded_reason
    assert profiles["Visits"].excluded_reason is None


def test_month_names_alone_are_not_dates():
    months = pd.array(["may", "jun", "jul", "aug"] * 10, dtype="str")
    frame = pd.DataFrame({"month": months})

    assert kinds(frame)["month"] == "category"


def test_coerce_kinds_prepares_columns_for_modeling():
    frame = sample_frame()
    coerced = coerce_kinds(frame, profile_columns(frame))

    assert pd.api.types.is_datetime64_any_dtype(coerced["Signed up"])
    assert coerced["Signed up"].iloc[0] == pd.Timestamp("2024-01-10")
    assert coerced["Opted in"].tolist()[:2] == [1.0, 0.0]
    assert coerced["Visits"].dtype == np.float64
    assert pd.api.types.is_string_dtype(coerced["Source"])


def test_day_first_dates_are_read_day_first():
    dates = pd.array(["25/03/2024", "02/04/2024"] * 5, dtype="str")
    frame = pd.DataFrame({"Created": dates})
    coerced = coerce_kinds(frame, profile_columns(frame))

    assert coerced["Created"].iloc[1] == pd.Timestamp("2024-04-02")


def test_x_education_kinds(x_education_csv):
    found = kinds(read_table(x_education_csv).frame)

    assert found["Prospect ID"] == "identifier"
    assert found["Lead Number"] == "identifier"
    assert found["Converted"] == "yes_no"
    assert found["Magazine"] == "constant"
    assert found["Receive More Updates About Our Courses"] == "constant"
    assert found["I agree to pay the amount through cheque"] == "constant"
    assert found["Total Time Spent on Website"] == "number"
    assert found["Lead Source"] == "category"


def test_bank_kinds(bank_csv):
    found = kinds(read_table(bank_csv).frame)

    assert found["y"] == "yes_no"
    assert found["month"] == "category"
    assert found["duration"] == "number"


def test_counts_from_reading_give_the_same_profiles(tmp_path):
    path = tmp_path / "leads.csv"
    sample_frame().assign(Source=[" Google", "select", "12"] * 20).to_csv(
        path, index=False
    )
    read = read_table(path)

    with_counts = profile_columns(read.frame, read.distinct)

    assert read.distinct
    assert with_counts == profile_columns(read.frame)


def test_x_education_counts_from_reading_give_the_same_profiles(x_education_csv):
    read = read_table(x_education_csv)

    assert profile_columns(read.frame, read.distinct) == profile_columns(read.frame)


def test_a_measurement_with_decimals_is_never_an_identifier():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"Score number": rng.normal(size=500)})

    [profile] = profile_columns(frame)

    assert profile.kind == "number" and profile.excluded_reason is None
