import numpy as np
import pandas as pd

from datasets.cleaning import (
    apply_merges,
    common_values,
    fold_categories,
    group_rare,
    suggest_merges,
    tidiers_for,
    tidy_categories,
    tidy_columns,
)
from datasets.reading import read_table


def test_fold_categories_uses_most_frequent_spelling():
    frame = pd.DataFrame(
        {
            "Source": pd.array(
                ["Google", "google", "GOOGLE ", "Google", "Olark  Chat", None],
                dtype="str",
            ),
            "Visits": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    folded = fold_categories(frame)

    assert folded["Source"].tolist()[:5] == ["Google"] * 4 + ["Olark Chat"]
    assert np.isnan(folded["Source"].iloc[5])
    assert folded["Visits"].tolist() == frame["Visits"].tolist()
    assert frame["Source"].iloc[1] == "google"


def test_suggest_merges_groups_near_duplicates_most_frequent_first():
    values = ["LinkedIn"] * 3 + ["Linked In", "linkedin", "Google", "Facebook"]
    series = pd.Series(values)

    assert suggest_merges(series) == [["LinkedIn", "Linked In", "linkedin"]]


def test_suggest_merges_leaves_short_lookalikes_apart():
    series = pd.Series(["No", "Na", "No", "N.A.", "NA"])

    groups = suggest_merges(series)

    assert len(groups) == 1 and sorted(groups[0]) == ["N.A.", "NA", "Na"]


def test_apply_merges_maps_each_group_to_its_first_value():
    series = pd.Series(["Linked In", "linkedin", "Google", None])
    merged = apply_merges(series, [["LinkedIn", "Linked In", "linkedin"]])

    assert merged.tolist()[:3] == ["LinkedIn", "LinkedIn", "Google"]
    assert merged.isna().iloc[3]


def test_group_rare_keeps_common_values_and_blanks():
    series = pd.Series(["A"] * 97 + ["B", "C", None])
    grouped = group_rare(series, min_share=0.02)

    assert grouped.value_counts().to_dict() == {"A": 97, "Other": 2}
    assert grouped.isna().iloc[-1]


def test_x_education_google_case_variants_fold(x_education_csv):
    frame = read_table(x_education_csv).frame
    folded = fold_categories(frame[["Lead Source"]])

    assert "google" in set(frame["Lead Source"].dropna())
    assert "google" not in set(folded["Lead Source"].dropna())
    before = (frame["Lead Source"] == "Google").sum()
    assert (folded["Lead Source"] == "Google").sum() > before


def test_tidy_categories_applies_merges_and_folds_spacing_and_case():
    series = pd.Series(["LinkedIn", "linkedin ", "Linked  In", "Web", None])
    tidy = tidy_categories(series, [["LinkedIn", "Linked In"]])

    assert tidy.tolist()[:4] == ["LinkedIn", "LinkedIn", "LinkedIn", "Web"]
    assert pd.isna(tidy.iloc[4])


def test_tidy_categories_groups_values_not_kept_as_other():
    series = pd.Series(["google", "Web", "Fax", None])
    tidy = tidy_categories(series, [], ["Google", "Web"])

    assert tidy.tolist()[:3] == ["Google", "Web", "Other"]
    assert pd.isna(tidy.iloc[3])


def test_common_values_keeps_one_spelling_per_value_above_the_share():
    series = pd.Series(["Google"] * 60 + ["google"] * 30 + ["Web"] * 9 + ["Fax"])

    assert common_values(series, min_share=0.05) == ["Google", "Web"]


def test_tidiers_clean_new_values_as_the_history_was_cleaned():
    tidiers = tidiers_for(
        {"Source": [["Google Ads", "google"]]},
        {"Source": ["Google Ads", "Referral"]},
        ["Source", "Stage"],
    )
    frame = pd.DataFrame(
        {
            "Source": [" GOOGLE ", "referral", "Select", "Fax", None, "  "],
            "Stage": ["Select", " New ", "NEW", "n/a", None, "x"],
        }
    )
    tidied = tidy_columns(frame, tidiers)

    shown = tidied["Source"].fillna("blank").tolist()
    assert shown == ["Google Ads", "Referral", "blank", "Other", "blank", "blank"]
    # A column nobody tidied keeps its spellings; only placeholders go.
    assert tidied["Stage"].tolist()[1:3] == [" New ", "NEW"]
    assert tidied["Stage"].isna().tolist() == [True, False, False, True, True, False]
    assert frame["Source"].iloc[0] == " GOOGLE "  # the input is left as it was
