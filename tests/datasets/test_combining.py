import pandas as pd

from datasets.combining import check_join, guess_keys, join_columns


def history():
    return pd.DataFrame(
        {
            "Email": ["ann@x.com", "BOB@x.com ", "cy@x.com", None],
            "Source": ["Web", "Ad", "Web", "Ad"],
        }
    )


def chatbot():
    return pd.DataFrame(
        {
            "email": ["bob@x.com", "ann@x.com", "ann@x.com", "zed@x.com"],
            "Budget": [5000.0, 100.0, 999.0, 7.0],
            "Source": ["bot", "bot", "bot", "bot"],
        }
    )


def test_check_counts_matches_whatever_the_case_and_spacing():
    check = check_join(history(), chatbot(), "Email", "email")

    assert (check.n_rows, check.n_matched) == (4, 2)
    assert check.share == 0.5
    assert check.n_blank_keys == 1 and check.n_duplicate_keys == 1


def test_join_keeps_every_lead_once_and_takes_the_first_duplicate():
    joined = join_columns(history(), chatbot(), "Email", "email", label="bot")

    assert len(joined) == 4
    assert joined["Budget"].tolist()[:2] == [100.0, 5000.0]
    assert joined["Budget"].iloc[2:].isna().all()
    assert joined.columns.tolist() == ["Email", "Source", "Budget", "Source (bot)"]


def test_numeric_ids_match_text_ids():
    left = pd.DataFrame({"Lead ID": [1.0, 2.0, 3.0]})
    right = pd.DataFrame({"lead_id": ["1", "3"], "Timeline": ["now", "later"]})

    joined = join_columns(left, right, "Lead ID", "lead_id")

    assert joined["Timeline"].tolist()[0] == "now"
    assert pd.isna(joined["Timeline"].iloc[1])


def test_guess_prefers_a_shared_key_like_name():
    assert guess_keys(["Source", "Email"], ["source", "EMAIL"]) == ("Email", "EMAIL")
    assert guess_keys(["Lead ID", "City"], ["Budget", "lead_id"]) == (
        "Lead ID",
        "lead_id",
    )
