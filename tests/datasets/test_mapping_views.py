"""The mapping page: open outcomes, merges, rare values, the leakage question,
data sufficiency, and joining a second file; load_table serves the result."""

import io

import numpy as np
import pytest
from django.urls import reverse

from datasets import intake
from datasets.models import Dataset

pytestmark = pytest.mark.django_db


def upload(client, text: str, name: str = "leads.csv") -> Dataset:
    handle = io.BytesIO(text.encode())
    handle.name = name
    client.post(reverse("datasets:upload"), {"file": handle})
    return Dataset.objects.latest("pk")


def history_csv(n: int = 400, *, seed: int = 0, rate_shift: float = 3.0) -> str:
    """Leads whose minutes on site drive conversion; sources in odd spellings."""
    rng = np.random.default_rng(seed)
    minutes = rng.gamma(2.0, 8.0, size=n).round(1)
    pages = rng.integers(1, 30, size=n)
    logit = 0.12 * minutes + 0.12 * pages - rate_shift - 1.5
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    spellings = ["LinkedIn", "linkedin", "Linked In", "Web", "Web", "Event"]
    rows = ["Email,Source,Minutes,Pages,Outcome"]
    for i in range(n):
        source = spellings[i % len(spellings)] if i != 7 else "Fax"
        outcome = "Won" if converted[i] else "Lost"
        if i % 25 == 0:
            outcome = ["In progress", "Pending", ""][i % 3]
        rows.append(f"lead{i}@x.com,{source},{minutes[i]},{pages[i]},{outcome}")
    return "\n".join(rows)


def mapping_url(dataset: Dataset) -> str:
    return reverse("datasets:mapping", args=[dataset.pk])


def test_page_proposes_converted_and_still_open_values(marketer_client):
    dataset = upload(marketer_client, history_csv())
    page = marketer_client.get(mapping_url(dataset), {"target": "Outcome"})

    form = page.context["form"]
    assert form.initial["positive"] == ["Won"]
    assert set(form.initial["still_open"]) == {"In progress", "Pending"}
    assert page.context["advice"].counts["open"] == 16


def test_values_confirmed_as_open_are_counted_and_kept_for_scoring(marketer_client):
    dataset = upload(marketer_client, history_csv())
    response = marketer_client.post(
        mapping_url(dataset),
        {
            "target": "Outcome",
            "positive": ["Won"],
            "still_open": ["In progress"],
        },
    )

    dataset.refresh_from_db()
    assert response.status_code == 302
    assert "Pending" in dataset.negative_values
    assert dataset.outcome_counts["open"] == 11
    frame = intake.load_table(dataset)
    assert intake.outcome_of(dataset, frame).isna().sum() == 11


def test_every_value_open_is_refused_with_a_reason(marketer_client):
    dataset = upload(marketer_client, history_csv())
    page = marketer_client.post(
        mapping_url(dataset),
        {
            "target": "Outcome",
            "positive": ["Won"],
            "still_open": ["Lost", "In progress", "Pending"],
        },
    )

    assert page.status_code == 200
    assert b"did not convert" in page.content
    dataset.refresh_from_db()
    assert not dataset.is_mapped


def merge_choice(page, value: str) -> str:
    form = page.context["form"]
    return next(key for key, label in form.fields["merges"].choices if value in label)


def test_accepted_merges_and_rare_values_reach_the_training_table(marketer_client):
    dataset = upload(marketer_client, history_csv())
    page = marketer_client.get(mapping_url(dataset), {"target": "Outcome"})
    assert b"Linked In" in page.content

    marketer_client.post(
        mapping_url(dataset),
        {
            "target": "Outcome",
            "positive": ["Won"],
            "still_open": ["In progress", "Pending"],
            "merges": [merge_choice(page, "Linked In")],
        },
    )

    dataset.refresh_from_db()
    sources = set(intake.load_table(dataset)["Source"].dropna())
    assert sources == {"LinkedIn", "Web", "Event", "Other"}
    (group,) = dataset.merges["Source"]
    assert group[0] == "LinkedIn"
    assert set(group) == {"LinkedIn", "linkedin", "Linked In"}


def test_merges_are_not_applied_unless_accepted(marketer_client):
    dataset = upload(marketer_client, history_csv())
    marketer_client.post(
        mapping_url(dataset),
        {
            "target": "Outcome",
            "positive": ["Won"],
            "still_open": ["In progress", "Pending"],
        },
    )

    dataset.refresh_from_db()
    sources = set(intake.load_table(dataset)["Source"].dropna())
    # Case is always folded; the spaced spelling stays its own value.
    assert sources == {"LinkedIn", "Linked In", "Web", "Event", "Other"}


def test_answering_no_to_the_question_leaves_the_column_out(marketer_client):
    dataset = upload(marketer_client, history_csv())
    page = marketer_client.get(mapping_url(dataset), {"target": "Outcome"})
    asked = page.context["form"].questions
    assert set(asked) == {"Minutes", "Pages"}
    assert f"Was “{asked[0]}” known before you first contacted the lead?" in (
        page.content.decode()
    )

    marketer_client.post(
        mapping_url(dataset),
        {
            "target": "Outcome",
            "positive": ["Won"],
            "still_open": ["In progress", "Pending"],
            "known_0": "no",
            "known_1": "yes",
        },
    )

    dataset.refresh_from_db()
    assert asked[0] not in dataset.feature_columns()
    assert asked[1] in dataset.feature_columns()
    assert "after the first contact" in dataset.excluded[asked[0]]


def test_a_two_percent_rate_on_a_few_thousand_rows_is_called_out(marketer_client):
    rows = ["Source,Converted"] + [
        f"{'Web' if i % 3 else 'Ad'},{'yes' if i % 50 == 0 else 'no'}"
        for i in range(3000)
    ]
    dataset = upload(marketer_client, "\n".join(rows))
    page = marketer_client.get(mapping_url(dataset), {"target": "Converted"})

    text = page.content.decode()
    assert page.context["level"] == "low"
    assert "60 converted (2.0%)" in text
    assert "about 40 more conversions" in text and "2,000 more leads" in text


@pytest.mark.parametrize(
    ("counts", "level", "phrase"),
    [
        ({"converted": 5, "not_converted": 500}, "insufficient", "at least 10"),
        ({"converted": 40, "not_converted": 120}, "low", "about 10 more conversions"),
        ({"converted": 300, "not_converted": 700}, "ok", "enough to train"),
        ({"converted": 60, "not_converted": 2940}, "low", "2.0%"),
        ({"converted": 150, "not_converted": 4850}, "ok", "3.0%"),
    ],
)
def test_sufficiency_levels(counts, level, phrase):
    found, message = intake.sufficiency(counts)

    assert found == level and phrase in message


CHATBOT = "\n".join(
    ["e-mail,Budget,Timeline"]
    + [
        f"LEAD{i}@x.com ,{1000 * (i % 5)},{'now' if i % 2 else 'later'}"
        for i in range(0, 400, 2)
    ]
)


def test_second_file_is_joined_after_showing_the_match_rate(marketer_client):
    dataset = upload(marketer_client, history_csv())
    combine = reverse("datasets:combine", args=[dataset.pk])
    handle = io.BytesIO(CHATBOT.encode())
    handle.name = "chatbot.csv"
    response = marketer_client.post(combine, {"file": handle})
    extra = Dataset.objects.latest("pk")
    assert extra.purpose == "extra"
    assert response.url == reverse("datasets:combine-keys", args=[dataset.pk, extra.pk])

    page = marketer_client.get(response.url)
    assert page.context["form"].data == {"key": "Email", "other_key": "e-mail"}
    assert "200 of 400 leads (50%)" in page.content.decode()
    dataset.refresh_from_db()
    assert not dataset.join

    marketer_client.post(response.url, {"key": "Email", "other_key": "e-mail"})
    dataset.refresh_from_db()
    assert {"Budget", "Timeline"} <= set(dataset.kinds())
    frame = intake.load_table(dataset)
    assert frame.loc[0, "Timeline"] == "later" and frame["Budget"].notna().sum() == 200


def test_joined_columns_are_trained_on_like_any_other(marketer_client):
    dataset = upload(marketer_client, history_csv())
    extra = upload(marketer_client, CHATBOT, "chatbot.csv")
    intake.apply_join(dataset, extra, "Email", "e-mail")

    marketer_client.post(
        mapping_url(dataset),
        {
            "target": "Outcome",
            "positive": ["Won"],
            "still_open": ["In progress", "Pending"],
        },
    )

    dataset.refresh_from_db()
    assert {"Budget", "Timeline"} <= set(dataset.feature_columns())
    assert intake.own_columns(dataset) == [
        "Email",
        "Source",
        "Minutes",
        "Pages",
        "Outcome",
    ]
    new = upload(marketer_client, "Email,Source,Pages\nlead2@x.com,linkedin,3\n")
    # Joined like the history; the history's clean-up gives its spelling.
    scored = intake.load_uncleaned(new, like=dataset)
    assert scored.loc[0, "Timeline"] == "later"
    assert intake.clean_table(scored, dataset).loc[0, "Source"] == "LinkedIn"


def test_a_key_that_matches_nothing_cannot_be_applied(marketer_client):
    dataset = upload(marketer_client, history_csv())
    extra = upload(marketer_client, CHATBOT, "chatbot.csv")
    url = reverse("datasets:combine-keys", args=[dataset.pk, extra.pk])

    page = marketer_client.post(url, {"key": "Source", "other_key": "e-mail"})

    assert b"Nothing matches" in page.content
    dataset.refresh_from_db()
    assert not dataset.join
