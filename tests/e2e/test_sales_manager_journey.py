"""A sales manager's day in a real browser: the ranked list (tier filter,
search, pages, CSV export), a lead page with its score history and reasons, an
outcome recorded, a lead claimed from the call queue; and the pages of other
roles refused with the plain 403 page."""

import csv
import re

import pytest
from playwright.sync_api import Page, expect

from leadscore_site.roles import SALES_MANAGER
from routing.intake import check_leads
from routing.leads import score_incoming
from routing.models import Lead, RoutingRule, Tier
from tests.builders import make_leads
from tests.roles import role_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

N_LEADS = 60  # more than one page of 50
WATCHED = "crm-007"  # the lead rescored once, so its history has two rows
OFFERED = {"Home", "Leads", "Score new leads", "Call queue", "Model health"}
NOT_OFFERED = {
    "Upload history",
    "Retraining",
    "Deliveries",
    "Tiers",
    "Rules",
    "API tokens",
    "API",
    "Users",
}


def shot(name: str) -> str:
    return f"sales-manager/{name}"


def score_open_leads(version) -> None:
    """Score new leads as the CRM would send them, one of them twice."""
    frame = make_leads(N_LEADS, random_state=7).drop(columns=["Lead ID", "Converted"])
    sent = [
        {"external_id": f"crm-{i:03d}"} | row
        for i, row in enumerate(frame.to_dict("records"))
    ]
    kinds = version.column_kinds
    score_incoming(check_leads(sent, kinds), version, source="CRM")
    later = sent[7] | {"Minutes on site": sent[7]["Minutes on site"] + 30}
    score_incoming(check_leads([later], kinds), version, source="CRM")


def open_from_menu(page: Page, link: str) -> None:
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name=link, exact=True).click()
    page.wait_for_load_state("load")


def rows(page: Page):
    return page.locator("#leads tbody tr")


def shown_tiers(page: Page) -> list[str]:
    return rows(page).locator(".tier").all_inner_texts()


def filter_leads(page: Page, *, tier: str = "", search: str = "") -> None:
    page.get_by_label("Tier").select_option(tier)
    page.get_by_label("Search").fill(search)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("load")


@pytest.fixture
def sales_desk(trained_model, run_jobs):
    """A call-queue rule on the top tier and scored open leads."""
    hot = Tier.objects.ordered()[0]
    RoutingRule.objects.create(tier=hot, kind=RoutingRule.Kind.CALL_QUEUE)
    score_open_leads(trained_model)
    run_jobs("delivery")  # the call-queue rule queues the hot leads
    assert Lead.objects.count() == N_LEADS
    assert Lead.objects.filter(queued_at__isnull=False).exists()
    return hot


def test_sales_manager_works_the_ranked_list_and_the_call_queue(
    page, shoot, log_in, main_links, django_user_model, sales_desk, tmp_path
):
    role_user(django_user_model, SALES_MANAGER)
    hot = sales_desk

    log_in("sales_manager", "pw-sales_manager-1")
    offered = set(main_links())
    assert OFFERED <= offered and not NOT_OFFERED & offered
    shoot(shot("01-home"))

    open_from_menu(page, "Leads")
    expect(rows(page)).to_have_count(50)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text(
        f"Page 1 of 2 ({N_LEADS} leads)"
    )
    shown = (
        rows(page)
        .locator("td[data-probability]")
        .evaluate_all("cells => cells.map(c => Number(c.dataset.probability))")
    )
    assert shown == sorted(shown, reverse=True)
    shoot(shot("02-ranked-leads"))

    page.get_by_role("link", name="Next", exact=True).click()
    expect(rows(page)).to_have_count(N_LEADS - 50)
    expect(rows(page).first.locator("td").first).to_have_text("51")
    shoot(shot("03-second-page"))

    n_hot = Lead.objects.filter(tier=hot).count()
    filter_leads(page, tier=hot.name)
    expect(rows(page)).to_have_count(n_hot)
    assert set(shown_tiers(page)) == {hot.name}
    shoot(shot("04-hot-leads"))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export these leads as CSV").click()
    download = download_info.value
    assert download.suggested_filename == "leads.csv"
    saved = tmp_path / "leads.csv"
    download.save_as(saved)
    with saved.open(newline="") as file:
        exported = list(csv.DictReader(file))
    assert len(exported) == n_hot
    assert {row["tier"] for row in exported} == {hot.name}

    filter_leads(page, search=WATCHED)
    expect(rows(page)).to_have_count(1)
    shoot(shot("05-search"))

    rows(page).get_by_role("link", name=WATCHED).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(WATCHED)
    reasons = page.get_by_role("heading", name="Why").locator("+ ul > li")
    expect(reasons.first).not_to_be_empty()
    expect(page.locator("#history tbody tr")).to_have_count(2)
    shoot(shot("06-lead"))

    page.get_by_label(f"Outcome of {WATCHED}", exact=True).select_option("won")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"{WATCHED}: outcome saved.")
    shoot(shot("07-outcome-saved"))
    page.reload()
    expect(page.get_by_label(f"Outcome of {WATCHED}", exact=True)).to_have_value("won")
    assert Lead.objects.get(external_id=WATCHED).outcome == "won"

    open_from_menu(page, "Call queue")
    queue = page.locator("#queue tbody tr")
    first = queue.first.locator("td").nth(1).inner_text()
    expect(queue.first).to_contain_text(hot.name)
    shoot(shot("08-call-queue"))
    queue.first.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("status")).to_contain_text(f"{first} is yours to call.")
    claimed = page.locator("#queue tbody tr").filter(has_text=first)
    expect(claimed.locator("td").nth(5)).to_have_text("sales_manager")
    shoot(shot("09-claimed"))
    assert Lead.objects.get(external_id=first).owner.username == "sales_manager"


def test_sales_manager_is_refused_the_other_roles_pages(
    page, shoot, log_in, main_links, expect_refused, django_user_model, trained_model
):
    role_user(django_user_model, SALES_MANAGER)
    refused = {
        "tiers": "/leads/tiers/",
        "rules": "/leads/rules/",
        "tokens": "/leads/tokens/",
        "deliveries": "/leads/deliveries/",
        "training": f"/models/datasets/{trained_model.dataset_id}/train/",
        "model": trained_model.get_absolute_url(),
        "upload-history": "/datasets/upload/",
        "admin-site": "/admin/",
    }

    log_in("sales_manager", "pw-sales_manager-1")
    assert not NOT_OFFERED & set(main_links())

    for number, (name, path) in enumerate(refused.items(), start=20):
        expect_refused(path)
        assert not NOT_OFFERED & set(main_links())
        shoot(shot(f"{number}-refused-{name}"))
    assert re.search(r"/admin/$", page.url)
