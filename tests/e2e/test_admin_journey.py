"""An admin's setup in a real browser: tiers changed after a preview, a webhook
rule to a receiver on 127.0.0.1, a lead scored by hand and its delivery in the
log, an API token shown once and revoked; and the admin pages refused to a
marketer with the plain 403 page."""

import json

import pytest
from playwright.sync_api import Page, expect

from leadscore_site.roles import ADMIN, MARKETER
from routing.models import ApiToken, Delivery, Tier
from routing.tokens import token_scope
from tests.roles import role_user
from tests.routing.conftest import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADMIN_LINKS = {"Tiers", "Rules", "Deliveries", "API tokens", "Retraining", "Users"}
# A referral who spent an hour on the site: the top tier, whatever its threshold.
HOT_LEAD = {"Source": "Referral", "Minutes on site": "60", "Employees": "11-50"}


def shot(name: str) -> str:
    return f"admin/{name}"


def open_from_menu(page: Page, link: str) -> None:
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name=link, exact=True).click()
    page.wait_for_load_state("load")


def preview_row(page: Page, name: str):
    return page.locator("#tier-preview tbody tr").filter(
        has=page.get_by_role("cell", name=name, exact=True)
    )


@pytest.fixture
def receiver(settings):
    """A webhook receiver on 127.0.0.1, which the rule form may then accept."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver() as running:
        yield running


def test_admin_sets_up_tiers_a_webhook_and_a_token(
    page,
    shoot,
    log_in,
    main_links,
    django_user_model,
    trained_model,
    receiver,
    run_jobs,
):
    role_user(django_user_model, ADMIN)

    log_in("admin", "pw-admin-1")
    assert ADMIN_LINKS <= set(main_links())
    shoot(shot("01-home"))

    open_from_menu(page, "Tiers")
    page.get_by_label("Threshold of Hot").fill("0.6")
    page.get_by_role("button", name="Preview").click()
    expect(preview_row(page, "Hot").locator("td").nth(1)).to_have_text("0.6")
    assert Tier.objects.get(name="Hot").min_probability == 0.7
    shoot(shot("02-tiers-preview"))
    page.get_by_role("button", name="Save tiers").click()
    expect(page.get_by_role("status")).to_contain_text("Tiers saved")
    assert Tier.objects.get(name="Hot").min_probability == 0.6
    shoot(shot("03-tiers-saved"))

    open_from_menu(page, "Rules")
    expect(page.locator("section.empty")).to_contain_text("No rules yet")
    shoot(shot("04-rules-none"))
    page.get_by_label("Tier").select_option(label="Hot")
    page.get_by_label("Action").select_option(label="Webhook")
    page.get_by_label("Webhook URL").fill(receiver.url)
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_contain_text("Rule added: Hot: Webhook.")
    expect(page.locator("#rules tbody tr")).to_contain_text(receiver.url)
    shoot(shot("05-rule-added"))

    open_from_menu(page, "Leads")
    page.get_by_role("link", name="Score one lead").click()
    page.get_by_label("Your ID for this lead").fill("form-42")
    for field, value in HOT_LEAD.items():
        page.get_by_label(field, exact=True).fill(value)
    shoot(shot("06-score-one"))
    page.get_by_role("button", name="Score", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("form-42")
    expect(page.get_by_role("heading", level=1).locator(".tier")).to_have_text("Hot")
    shoot(shot("07-lead-scored"))

    run_jobs("delivery")
    [sent] = receiver.received
    assert json.loads(sent["body"])["external_id"] == "form-42"
    assert sent["headers"]["X-Leadscore-Signature"].startswith("sha256=")

    open_from_menu(page, "Deliveries")
    [delivery] = page.locator("#deliveries tbody tr").all()
    expect(delivery).to_contain_text("form-42")
    expect(delivery.locator("td").nth(3)).to_have_text("Sent")
    expect(delivery.locator("td").nth(4)).to_contain_text("ok (HTTP 200)")
    assert Delivery.objects.get().status == "sent"
    shoot(shot("08-delivery-log"))

    open_from_menu(page, "API tokens")
    shoot(shot("09-tokens-none"))
    page.get_by_label("Integration name").fill("Ops script")
    page.get_by_label("What it may do").select_option("admin")
    page.get_by_role("button", name="Create token").click()
    key = page.locator("#new-token").inner_text()
    assert key.startswith("lsa_")
    expect(page.locator("#token-shown-once")).to_contain_text(
        "Admin token for Ops script"
    )
    listed = page.locator("#tokens tbody tr").filter(has_text="Ops script")
    expect(listed.locator("td").first).to_have_text("Admin")
    assert token_scope(ApiToken.objects.get(name="Ops script")) == "admin"
    shoot(shot("10-token-shown-once"))

    open_from_menu(page, "API tokens")
    assert key not in page.content()
    # Revoking cannot be undone, so the page asks first: once refused, once
    # confirmed.
    page.once("dialog", lambda dialog: dialog.dismiss())
    listed.get_by_role("button", name="Revoke").click()
    assert ApiToken.objects.get(name="Ops script").is_active
    page.once("dialog", lambda dialog: dialog.accept())
    listed.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The token for Ops script no longer works."
    )
    expect(listed.locator("td").last).to_contain_text("revoked")
    assert not ApiToken.objects.get(name="Ops script").is_active
    shoot(shot("11-token-revoked"))


def test_a_marketer_is_refused_the_admin_pages(
    page, shoot, log_in, main_links, expect_refused, django_user_model
):
    role_user(django_user_model, MARKETER)
    refused = {
        "tiers": "/leads/tiers/",
        "rules": "/leads/rules/",
        "deliveries": "/leads/deliveries/",
        "tokens": "/leads/tokens/",
        "retraining": "/models/retraining/",
        "audit-log": "/models/audit/",
        "job-queues": "/admin/rq/",
        "admin-site": "/admin/",
    }

    log_in("marketer", "pw-marketer-1")
    assert not ADMIN_LINKS & set(main_links())

    for number, (name, path) in enumerate(refused.items(), start=40):
        expect_refused(path)
        assert not ADMIN_LINKS & set(main_links())
        shoot(f"marketer/{number}-refused-{name}")
