"""API tokens with a scope: created on the admin page or from the shell, shown
once, listed with their scope, and revoked."""

import json
import re
import time
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from leadscore_site.roles import ADMIN
from modeling.models import AuditEntry
from routing import api_auth
from routing.models import ApiToken
from routing.tokens import create_token, revoke_token, token_scope
from tests.roles import role_user

MODEL = "/api/v1/model"


@pytest.fixture
def admin_page(client, django_user_model):
    client.force_login(role_user(django_user_model, ADMIN))
    return client


def create_on_page(client, name: str, scope: str | None = None):
    data = {"name": name} | ({"scope": scope} if scope else {})
    return client.post(reverse("routing:tokens"), data)


def shown_key(page) -> str:
    return re.search(r'<code id="new-token">([^<]+)</code>', page.content.decode())[1]


def listed_scopes(page) -> dict[str, str]:
    rows = re.findall(
        r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page.content.decode()
    )
    return dict(rows)


def ask_model(client, key: str) -> int:
    return client.get(MODEL, HTTP_AUTHORIZATION=f"Bearer {key}").status_code


def test_the_admin_picks_a_scope_and_sees_it_listed(admin_page):
    created = create_on_page(admin_page, "Ops script", "admin")
    create_on_page(admin_page, "HubSpot", "scoring")

    listed = admin_page.get(reverse("routing:tokens"))

    key = shown_key(created)
    assert "Admin token for Ops script" in created.content.decode()
    assert key.encode() not in listed.content
    assert listed_scopes(listed) == {"HubSpot": "Scoring", "Ops script": "Admin"}
    assert token_scope(ApiToken.objects.get(name="Ops script")) == "admin"


def test_a_token_made_without_a_choice_is_for_scoring(admin_page):
    page = create_on_page(admin_page, "Web form")

    assert shown_key(page).startswith("ls_")
    assert listed_scopes(page) == {"Web form": "Scoring"}


def test_a_scoring_token_scores_and_an_admin_token_does_not(admin_page, version):
    scoring = shown_key(create_on_page(admin_page, "CRM", "scoring"))
    admin = shown_key(create_on_page(admin_page, "Ops", "admin"))
    admin_page.logout()

    assert ask_model(admin_page, scoring) == 200
    assert ask_model(admin_page, admin) == 403


def test_a_revoked_token_stops_working_and_stays_listed(admin_page, version):
    key = shown_key(create_on_page(admin_page, "Chatbot", "scoring"))
    token = ApiToken.objects.get(name="Chatbot")

    after = admin_page.post(reverse("routing:revoke", args=[token.pk]), follow=True)

    assert "The token for Chatbot no longer works." in after.content.decode()
    assert listed_scopes(after) == {"Chatbot": "Scoring"}
    assert b"revoked " in after.content and b"Revoke</button>" not in after.content
    admin_page.logout()
    assert ask_model(admin_page, key) == 401


def test_a_taken_name_is_refused_with_a_plain_message(admin_page):
    create_on_page(admin_page, "CRM")

    again = create_on_page(admin_page, "CRM", "admin")

    assert "A token has this name; pick another." in again.content.decode()
    assert 'id="new-token"' not in again.content.decode()
    assert ApiToken.objects.count() == 1


def test_an_unknown_scope_is_refused(admin_page):
    page = create_on_page(admin_page, "CRM", "everything")

    assert "Select a valid choice" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_the_page_says_what_each_scope_may_do(admin_page):
    page = admin_page.get(reverse("routing:tokens")).content.decode()

    assert "Scoring: score leads, read the model, record outcomes" in page
    assert "Admin: watch and re-send deliveries" in page


def test_only_admins_open_the_tokens_page(client, django_user_model):
    for role in ("Marketer", "Sales manager"):
        client.force_login(role_user(django_user_model, role))
        assert client.get(reverse("routing:tokens")).status_code == 403
        assert client.post(reverse("routing:tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_command_prints_a_scoring_token_by_default(client, version, capsys):
    call_command("create_api_token", "Zapier")
    key = capsys.readouterr().out.strip()

    assert key.startswith("ls_")
    assert token_scope(ApiToken.objects.get(name="Zapier")) == "scoring"
    assert ask_model(client, key) == 200


def test_the_command_makes_an_admin_token_on_request(client, version, capsys):
    call_command("create_api_token", "Nightly job", "--scope", "admin", "--json")
    printed = json.loads(capsys.readouterr().out)

    assert printed["scope"] == "admin" and printed["name"] == "Nightly job"
    assert printed["token"].startswith("lsa_")
    assert ask_model(client, printed["token"]) == 403
    assert printed["token"] not in str(ApiToken.objects.values_list())


def test_the_command_refuses_an_unknown_scope(db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_api_token", "CRM", "--scope", "root")
    assert not ApiToken.objects.exists()


def test_the_command_refuses_a_taken_name_in_one_line(db, capsys):
    create_token("CRM")

    with pytest.raises(SystemExit) as exit_:
        call_command("create_api_token", "CRM", "--scope", "admin")

    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "error: a token named 'CRM' exists; pick another name"
    )
    assert ApiToken.objects.count() == 1


def test_creating_and_revoking_a_token_is_in_the_audit_log(db):
    token, _ = create_token("Chatbot", scope="admin")
    revoke_token(token)

    entries = AuditEntry.objects.filter(subject="token").order_by("pk")
    assert [(e.action, e.summary) for e in entries] == [
        ("created", "API token Chatbot created (admin)"),
        ("revoked", "API token Chatbot revoked"),
    ]


# --- unknown tokens from one address (an office behind one NAT) ---


@pytest.fixture
def office(settings) -> str:
    """Return a fresh address that integrations share, with a low limit.

    A new address per test, so no earlier run's count in Redis applies.
    """
    settings.API_BAD_TOKEN_LIMIT = 3
    return f"2001:db8::{uuid.uuid4().hex[:4]}"


def ask_from(client, address: str, key: str):
    return client.get(MODEL, HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=address)


def revoked_key() -> str:
    token, key = create_token("Old CRM")
    revoke_token(token)
    return key


def test_a_revoked_token_does_not_lock_out_good_tokens_at_its_address(
    client, version, api_key, office
):
    old = revoked_key()

    answers = [ask_from(client, office, old).status_code for _ in range(4)]

    assert answers == [401, 401, 401, 429]
    assert ask_from(client, office, api_key).status_code == 200
    assert ask_from(client, office, old).status_code == 429


def test_a_good_token_at_a_refused_address_still_meets_its_own_limit(
    client, version, office, settings
):
    settings.API_RATE_LIMIT = "2/min"
    key = create_token("CRM")[1]
    for _ in range(4):
        ask_from(client, office, "ls_unknown")

    answers = [ask_from(client, office, key) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "unknown tokens" not in answers[2].json()["error"]


def test_retry_after_counts_down_to_the_end_of_the_refusal(
    client, db, office, monkeypatch
):
    # A short window, so the test can watch it run out.
    monkeypatch.setattr(api_auth, "BAD_TOKEN_WINDOW_SECONDS", 3)
    for _ in range(3):
        ask_from(client, office, "ls_unknown")

    first = ask_from(client, office, "ls_unknown")
    time.sleep(1.2)
    later = ask_from(client, office, "ls_unknown")
    time.sleep(int(later["Retry-After"]) + 0.3)
    after = ask_from(client, office, "ls_unknown")

    assert first.status_code == later.status_code == 429
    assert int(first["Retry-After"]) in (2, 3)
    assert int(later["Retry-After"]) < int(first["Retry-After"])
    assert f"in {later['Retry-After']} second" in later.json()["error"]
    assert after.status_code == 401
