"""A marketer's whole job in a real browser: log in, upload the published
X Education lead history, check the columns, map the outcome, train, review
the model and see new leads ranked with their tiers."""

import re

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from modeling.models import TrainingRun

POST_CONTACT = ["Tags", "Lead Quality", "Last Activity", "Last Notable Activity"]
N_NEW_LEADS = 25

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Wait for the next page to load fully: leaving it half-loaded would
    # abort its stylesheet request, which the page fixture counts as an error.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def heading(page: Page, start: str):
    return page.get_by_role("heading", name=re.compile(f"^{re.escape(start)}"))


def column_row(page: Page, name: str):
    return page.locator("tr").filter(has=page.get_by_role("rowheader", name=name))


def exclusion_row(page: Page, column: str):
    return page.locator("tbody tr").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(column)}$"))
    )


def expected_tier(proba: float) -> str:
    return "Hot" if proba >= 0.7 else "Warm" if proba >= 0.3 else "Cold"


def write_new_leads(source, tmp_path):
    """The first leads of the real file, as a new export without the outcome."""
    frame = pd.read_csv(source, nrows=N_NEW_LEADS).drop(columns=["Converted"])
    path = tmp_path / "new_leads.csv"
    frame.to_csv(path, index=False)
    return path


def test_marketer_goes_from_login_to_ranked_leads(
    page, shoot, marketer, run_jobs, x_education_csv, tmp_path
):
    page.goto("/accounts/login/")
    shoot("01-login")
    log_in(page, "marketer", "pw-marketer-1")
    expect(heading(page, "Lead scoring")).to_be_visible()
    shoot("02-home")

    page.get_by_role("link", name="Upload lead history").first.click()
    page.get_by_label("Spreadsheet of past leads").set_input_files(x_education_csv)
    shoot("03-upload")
    page.get_by_role("button", name="Upload and check the columns").click()

    expect(heading(page, "x_education_leads.csv")).to_be_visible()
    expect(page.locator("p.lead")).to_contain_text("9,240 leads and 37 columns")
    expect(column_row(page, "Prospect ID").locator("td").first).to_have_text(
        "identifier"
    )
    shoot("04-columns")
    page.get_by_role("link", name="Next: choose the outcome column").click()

    expect(page.get_by_label("Outcome column")).to_have_value("Converted")
    for column in POST_CONTACT:
        row = exclusion_row(page, column)
        expect(row.get_by_role("checkbox")).to_be_checked()
        expect(row.locator("td").last).not_to_be_empty()
    kept = exclusion_row(page, "Lead Source").get_by_role("checkbox")
    expect(kept).not_to_be_checked()
    shoot("05-mapping")
    page.get_by_role("button", name="Save and go to training").click()

    expect(heading(page, "Train a model")).to_be_visible()
    page.get_by_label("Random forest").check()
    shoot("06-train")
    page.get_by_role("button", name="Train").click()

    expect(heading(page, "Training on")).to_be_visible()
    expect(page.locator("progress#run-progress")).to_be_visible()
    shoot("07-progress")
    run_jobs("training")
    run_jobs("scoring")
    version = TrainingRun.objects.get().version

    page.wait_for_url(f"**/models/{version.pk}/", timeout=20_000)
    auc = page.locator(".metric", has_text="ROC AUC").locator(".value").inner_text()
    assert 0.8 < float(auc) < 0.97
    expect(page.locator(".metric", has_text="Accuracy")).to_contain_text(
        re.compile('Always guessing "not converted" would be right')
    )
    chart = page.get_by_label(re.compile("^Bar chart of the columns that matter most"))
    expect(chart.locator("svg").first).to_be_visible()  # drawn by Plotly
    shoot("08-model")

    page.get_by_role("link", name="Next: see the ranked leads").click()
    expect(heading(page, "No scored leads")).to_be_visible()
    shoot("09-leads-none-open")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Score new leads"
    ).click()
    page.get_by_label("Spreadsheet of new leads").set_input_files(
        write_new_leads(x_education_csv, tmp_path)
    )
    shoot("10-score-upload")
    page.get_by_role("button", name="Upload and score").click()

    expect(heading(page, "Scoring new_leads.csv")).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    shoot("11-scoring-progress")
    run_jobs("scoring")
    # The link appears once the page's own polling sees the run finish.
    page.get_by_role("link", name="See them ranked").click()
    rows = page.locator("#leads tbody tr")
    expect(rows).to_have_count(N_NEW_LEADS)
    shown = rows.locator("td[data-probability]").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.probability))"
    )
    assert shown == sorted(shown, reverse=True)
    tiers = rows.locator(".tier").all_inner_texts()
    assert tiers == [expected_tier(proba) for proba in shown]
    assert len(set(tiers)) >= 2
    shoot("12-ranked-leads")

    rows.first.locator("td").nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", level=2, name="Why")).to_be_visible()
    shoot("13-lead")


def test_an_image_renamed_csv_gets_a_plain_message(page, shoot, marketer, tmp_path):
    image = tmp_path / "leads.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)

    page.goto("/accounts/login/")
    log_in(page, "marketer", "pw-marketer-1")
    page.goto("/datasets/upload/")
    page.get_by_label("Spreadsheet of past leads").set_input_files(image)
    page.get_by_role("button", name="Upload and check the columns").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This file could not be read")
    assert "Traceback" not in alert.inner_text()
    shoot("20-bad-upload")


def test_an_anonymous_visitor_is_sent_to_log_in(page, shoot):
    page.goto("/datasets/upload/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/datasets/upload/"))
    expect(heading(page, "Log in to Leadscore")).to_be_visible()
    shoot("30-anonymous")
