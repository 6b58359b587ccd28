"""A new marketer's first hour, in a real browser, from an empty install:
the sample data through every step to a ranked list, leaving half-way and
coming back, going back to change the mapping; then their own real file.
A screenshot of every step lands in screenshots/e2e/first-hour/, and axe-core
checks every page (the `shoot` fixture)."""

import re
from datetime import UTC, datetime

import pandas as pd
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from playwright.sync_api import Page, expect

from datasets import intake
from datasets.models import Dataset
from leadscore_site.roles import MARKETER
from modeling.models import ModelVersion
from tests.e2e.conftest import SCREENSHOTS
from tests.roles import role_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = "sample-lead-history.csv"
POST_CONTACT = ["Tags", "Lead Quality", "Last Activity", "Last Notable Activity"]
OPEN_EVERY = 20  # every 20th lead of the real file is made still open


@pytest.fixture
def new_marketer(django_user_model):
    """A marketer and nothing else: no upload, no model, no lead."""
    return role_user(django_user_model, MARKETER)


@pytest.fixture
def first_hour(shoot):
    """Take screenshots into screenshots/e2e/first-hour/, numbered in order."""
    (SCREENSHOTS / "first-hour").mkdir(parents=True, exist_ok=True)
    count = iter(range(1, 100))
    return lambda name: shoot(f"first-hour/{next(count):02d}-{name}")


def sign_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill("marketer")
    page.get_by_label("Password").fill("pw-marketer-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state("load")


def heading(page: Page, start: str):
    return page.get_by_role("heading", level=1, name=re.compile(f"^{re.escape(start)}"))


def steps(page: Page):
    return page.get_by_role("navigation", name="Steps to a first model")


def step(page: Page, label: str):
    return steps(page).get_by_role("listitem").filter(has_text=label)


def expect_steps(page: Page, **states: str) -> None:
    """Check the indicator's marks: step label (underscores for spaces)."""
    for label, state in states.items():
        expect(step(page, label.replace("_", " "))).to_have_class(
            re.compile(rf"\bstep-{state}\b")
        )


def next_step(page: Page):
    return page.locator("#next-step").get_by_role("link").first


def exclusion(page: Page, column: str):
    row = page.locator("tbody tr").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(column)}$"))
    )
    return row.get_by_role("checkbox")


def train_and_wait(page: Page, run_jobs, first_hour, name: str) -> None:
    """Train a logistic regression and follow the run to its model page."""
    page.get_by_label("Logistic regression").check()
    first_hour(f"{name}-train")
    page.get_by_role("button", name="Train").click()
    expect(heading(page, "Training on")).to_be_visible()
    expect(page.locator("progress#run-progress")).to_be_visible()
    expect(page.locator("#run-progress-estimate")).not_to_be_empty()
    expect_steps(page, Train="current", Review="next")
    first_hour(f"{name}-training")
    run_jobs("training")
    # The run page follows the job by itself and opens the model when done.
    page.wait_for_url(re.compile(r"/models/\d+/$"), timeout=20_000)
    expect(page.locator(".metric", has_text="ROC AUC")).to_be_visible()
    expect_steps(page, Train="done", Review="current", Score_leads="next")
    first_hour(f"{name}-model")


def see_ranked_leads(page: Page, run_jobs, first_hour, name: str) -> list[float]:
    """Open the ranked list while its leads are being scored; it fills itself."""
    page.get_by_role("link", name="Next: see the ranked leads").click()
    expect(page.locator("#scoring-pending")).to_be_visible()
    first_hour(f"{name}-scoring")
    run_jobs("scoring")
    rows = page.locator("#leads tbody tr")
    expect(rows.first).to_be_visible(timeout=15_000)  # no refresh by hand
    expect(page.locator("#scoring-pending")).to_have_count(0)
    expect_steps(page, Score_leads="current", Upload="done", Review="done")
    first_hour(f"{name}-ranked")
    return rows.locator("td[data-probability]").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.probability))"
    )


def n_listed(page: Page) -> int:
    counted = re.search(r"\(([\d,]+) leads\)", page.locator(".pages").inner_text())
    return int(counted[1].replace(",", ""))


def with_open_leads(source, tmp_path):
    """Copy the real file with every 20th lead's outcome blanked, as a CRM
    export with leads still in the pipeline."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame.loc[frame.index % OPEN_EVERY == OPEN_EVERY - 1, "Converted"] = ""
    path = tmp_path / "x_education_leads.csv"
    frame.to_csv(path, index=False)
    return path, int((frame.index % OPEN_EVERY == OPEN_EVERY - 1).sum())


def test_a_new_marketer_goes_from_sample_data_to_their_own_ranked_leads(
    page, first_hour, new_marketer, run_jobs, x_education_csv, tmp_path
):
    sign_in(page)
    expect(heading(page, "Lead scoring")).to_be_visible()
    expect(next_step(page)).to_have_text("Upload lead history")
    expect(page.get_by_text("Nothing uploaded yet")).to_be_visible()
    expect(page.get_by_text("No model yet.")).to_be_visible()
    first_hour("home-empty")

    # 1. Upload: the sample data.
    page.get_by_role("button", name="Try it with sample data").click()
    expect(heading(page, SAMPLE)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("choose the outcome")
    # 2. Check the columns.
    expect_steps(page, Upload="done", Check_columns="current")
    expect_steps(page, Outcome_and_exclusions="next", Train="todo")
    expect(page.locator("p.lead")).to_contain_text("2,000 leads")
    first_hour("sample-columns")
    page.get_by_role("link", name="Next: choose the outcome column").click()

    # 3. Outcome and exclusions: the leaky deal size is ticked for us; we
    # also leave out the country.
    outcome = page.get_by_label("Outcome column")
    if outcome.input_value() != "Status":
        with page.expect_navigation():
            outcome.select_option("Status")
    expect(outcome).to_have_value("Status")
    expect(exclusion(page, "Deal size")).to_be_checked()
    exclusion(page, "Country").check()
    expect_steps(page, Check_columns="done", Outcome_and_exclusions="current")
    first_hour("sample-mapping")
    page.get_by_role("button", name="Save and go to training").click()
    expect(heading(page, "Train a model")).to_be_visible()

    # Leave half-way; the home page takes us back to where we stopped.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(next_step(page)).to_have_text(f"Train a model on {SAMPLE}")
    first_hour("home-half-way")
    next_step(page).click()
    expect(heading(page, "Train a model")).to_be_visible()
    expect_steps(page, Outcome_and_exclusions="done", Train="current", Review="next")

    # Going back to the mapping keeps what was chosen.
    step(page, "Outcome and exclusions").get_by_role("link").click()
    expect(page.get_by_label("Outcome column")).to_have_value("Status")
    expect(exclusion(page, "Country")).to_be_checked()
    expect(exclusion(page, "Deal size")).to_be_checked()
    first_hour("sample-mapping-again")
    page.get_by_role("button", name="Save and go to training").click()

    # 4. Train, 5. review, 6. score: the open leads are ranked.
    train_and_wait(page, run_jobs, first_hour, "sample")
    shown = see_ranked_leads(page, run_jobs, first_hour, "sample")
    assert shown == sorted(shown, reverse=True)
    assert len(shown) == 50  # a full first page
    # The sample keeps about one lead in eight open: some 240 of 2,000.
    assert 150 < n_listed(page) < 350

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(next_step(page)).to_have_text(
        f"See the leads ranked by the model trained on {SAMPLE}"
    )
    expect(page.locator("#models")).to_contain_text("in use")
    expect(page.locator("#uploads time").first).to_have_attribute(
        "data-localised", "true"
    )
    first_hour("home-sample-done")

    # Their own file: the real lead history, with leads still open.
    real, n_open = with_open_leads(x_education_csv, tmp_path)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Upload history"
    ).click()
    expect_steps(page, Upload="current", Check_columns="next")
    page.get_by_label("Spreadsheet of past leads").set_input_files(real)
    first_hour("real-upload")
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(heading(page, "x_education_leads.csv")).to_be_visible()
    expect(page.locator("p.lead")).to_contain_text("9,240 leads and 37 columns")
    first_hour("real-columns")

    page.get_by_role("link", name="Next: choose the outcome column").click()
    expect(page.get_by_label("Outcome column")).to_have_value("Converted")
    for column in POST_CONTACT:
        expect(exclusion(page, column)).to_be_checked()
    first_hour("real-mapping")
    page.get_by_role("button", name="Save and go to training").click()

    train_and_wait(page, run_jobs, first_hour, "real")
    shown = see_ranked_leads(page, run_jobs, first_hour, "real")
    assert shown == sorted(shown, reverse=True)
    assert n_listed(page) == n_open

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(next_step(page)).to_have_text(
        "See the leads ranked by the model trained on x_education_leads.csv"
    )
    expect(page.locator("#uploads tbody tr")).to_have_count(2)
    expect(page.locator("#models tbody tr")).to_have_count(2)
    first_hour("home-real-done")
    assert ModelVersion.objects.count() == 2


def test_times_show_in_the_readers_language_and_time_zone(
    browser, live_server, new_marketer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = b"Source,Converted\nWeb,Yes\nEvent,No\n"
    dataset = Dataset.objects.create(
        owner=new_marketer,
        file=ContentFile(content, name="leads.csv"),
        original_name="leads.csv",
        size=len(content),
    )
    intake.inspect_upload(dataset)
    moment = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    Dataset.objects.filter(pk=dataset.pk).update(uploaded_at=moment)
    client = Client()
    client.force_login(new_marketer)

    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", timezone_id="Asia/Tokyo"
    )
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto("/")
    shown = page.locator("#uploads time")

    # 23:30 on 1 March in UTC is 08:30 on 2 March in Tokyo.
    expect(shown).to_have_text("02.03.2025, 08:30")
    expect(shown).to_have_attribute("datetime", "2025-03-01T23:30:00+00:00")
    context.close()
