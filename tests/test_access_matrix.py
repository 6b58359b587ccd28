"""Every URL against every role: the matrix of issue 7, spelled out here on
its own so that a change to leadscore_site/access.py must be made twice."""

import re

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.urls.exceptions import NoReverseMatch

from leadscore_site.access import MATRIX, rule_for
from leadscore_site.roles import ADMIN, MARKETER, SALES_MANAGER
from leadscore_site.urls import urlpatterns as site_urls
from routing.tokens import create_token
from tests.roles import role_user

M, S, A = MARKETER, SALES_MANAGER, ADMIN
ROLES = (M, S, A)

# URL name: the roles that may open it.
PAGES = {
    "home": {M, S, A},
    "datasets:upload": {M, A},
    "datasets:sample": {M, A},
    "datasets:preview": {M, A},
    "datasets:reread": {M, A},
    "datasets:mapping": {M, A},
    "datasets:combine": {M, A},
    "datasets:combine-keys": {M, A},
    "datasets:uncombine": {M, A},
    "modeling:train": {M, A},
    "modeling:run": {M, A},
    "modeling:run-status": {M, A},
    "modeling:run-cancel": {M, A},
    "modeling:version": {M, A},
    "modeling:comparison": {M, A},
    "modeling:retraining": {A},
    "modeling:schedule": {A},
    "modeling:retrain-now": {A},
    "modeling:promote": {A},
    "modeling:rescore-all": {A},
    "modeling:health": {M, S, A},
    "modeling:check-drift": {M, S, A},
    "modeling:audit": {A},
    "routing:leads": {M, S, A},
    "routing:lead": {M, S, A},
    "routing:claim": {S, A},
    "routing:queue": {M, S, A},
    "routing:outcome": {S, A},
    "routing:outcomes": {S, A},
    "routing:score-one": {M, S, A},
    "routing:upload": {M, S, A},
    "routing:run": {M, S, A},
    "routing:run-status": {M, S, A},
    "routing:export": {S, A},
    "routing:run-download": {S, A},
    "routing:outcome-history": {S, A},
    "routing:tiers": {A},
    "routing:rules": {A},
    "routing:rule-toggle": {A},
    "routing:deliveries": {A},
    "routing:resend": {A},
    "routing:tokens": {A},
    "routing:revoke": {A},
}
PUBLIC = {"login", "logout", "health", "api-schema", "api-docs", "api-not-found"}
SCORING_API = {
    "api-score",
    "api-model",
    "api-lead",
    "api-lead-by-id",
    "api-outcome",
    "api-lead-by-id-outcome",
}
ADMIN_API = {
    "api-deliveries",
    "api-delivery-resend",
    "api-models",
    "api-model-activate",
}
ARGUMENTS = (
    {},
    {"pk": 1},
    {"pk": 1, "other": 2},
    {"external_id": "x"},
    {"lead_id": 1},
    {"unknown": "no-such-endpoint"},
)


def url_names(patterns=None, namespace: str = "") -> list[str]:
    """Return the name of every URL the site answers, with its namespace."""
    names = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return names


def some_url(name: str) -> str:
    for kwargs in ARGUMENTS:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    raise AssertionError(f"no test arguments reverse {name}")


def test_every_url_the_site_answers_has_a_rule():
    missing = [name for name in url_names() if rule_for(name) is None]
    assert missing == []


def test_the_matrix_here_and_in_the_code_list_the_same_urls():
    assert set(MATRIX) == set(PAGES) | PUBLIC | SCORING_API | ADMIN_API


# A page someone added without a line in the matrix (used through mark.urls).
urlpatterns = [
    *site_urls,
    path("unlisted/", lambda request: HttpResponse("secret"), name="unlisted"),
]


@pytest.mark.urls(__name__)
def test_a_url_missing_from_the_matrix_is_refused_even_to_superusers(
    client, admin_user
):
    anonymous = client.get("/unlisted/")
    client.force_login(admin_user)
    superuser = client.get("/unlisted/")

    assert anonymous.status_code == superuser.status_code == 403
    assert b"secret" not in superuser.content


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_users_are_sent_to_log_in(client, db, name):
    url = some_url(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_role_opens_only_its_pages(client, django_user_model, role, name):
    client.force_login(role_user(django_user_model, role))
    response = client.get(some_url(name))
    if role in PAGES[name]:
        # Past the check, the view answers: a page, 404 for the made-up id,
        # or 405 for a POST-only URL.
        assert response.status_code in (200, 302, 404, 405), response.status_code
        assert not response.get("Location", "").startswith(reverse("login"))
    else:
        assert response.status_code == 403
        assert b"not open to you" in response.content


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_user_in_no_group_gets_403_everywhere(client, django_user_model, name):
    client.force_login(role_user(django_user_model, None))
    assert client.get(some_url(name)).status_code == 403


def test_a_refused_user_is_told_why_in_a_plain_page(client, django_user_model):
    client.force_login(role_user(django_user_model, None))
    page = client.get(reverse("home"))
    assert page.status_code == 403
    assert b"no role yet" in page.content
    assert not re.search(rb"<script(?![^>]*\bsrc=)", page.content)  # no inline JS


def test_a_superuser_opens_every_page(client, admin_user):
    client.force_login(admin_user)
    for name in PAGES:
        assert client.get(some_url(name)).status_code != 403, name


@pytest.mark.parametrize("name", sorted(PUBLIC - {"logout", "api-not-found"}))
def test_public_urls_open_without_a_login(client, db, name):
    assert client.get(some_url(name)).status_code == 200


def test_an_unknown_api_path_says_so_without_a_login(client, db):
    answer = client.get(some_url("api-not-found"))
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("name", sorted(SCORING_API))
def test_the_api_wants_a_scoring_token_and_no_session(client, admin_user, name):
    url = some_url(name)
    method = (
        client.get
        if name in ("api-model", "api-lead", "api-lead-by-id")
        else client.post
    )
    scoring, admin = create_token("CRM")[1], create_token("Ops", scope="admin")[1]

    client.force_login(admin_user)
    by_session = method(url, content_type="application/json")
    with_scoring = method(
        url, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {scoring}"
    )
    with_admin = method(
        url, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin}"
    )

    assert by_session.status_code == 401
    assert with_scoring.status_code in (400, 404, 503)
    assert with_admin.status_code == 403
    assert with_admin.json()["code"] == "permission_denied"


@pytest.mark.parametrize("name", sorted(ADMIN_API))
def test_the_admin_api_wants_an_admin_token_and_no_session(client, admin_user, name):
    url = some_url(name)
    method = client.get if name in ("api-deliveries", "api-models") else client.post
    scoring, admin = create_token("CRM")[1], create_token("Ops", scope="admin")[1]

    client.force_login(admin_user)
    by_session = method(url, content_type="application/json")
    with_scoring = method(
        url, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {scoring}"
    )
    with_admin = method(
        url, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin}"
    )

    assert by_session.status_code == 401
    assert with_scoring.status_code == 403
    assert with_admin.status_code in (200, 400, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_admins_reach_the_admin_site_for_users(
    client, django_user_model, role
):
    client.force_login(role_user(django_user_model, role))
    users = client.get(reverse("admin:auth_user_changelist"))
    assert users.status_code == (200 if role == ADMIN else 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_job_queues(client, django_user_model, role):
    client.force_login(role_user(django_user_model, role))
    queues = client.get(reverse("django_rq:home"))
    assert queues.status_code == (200 if role == ADMIN else 403)


def test_the_groups_exist_after_migrating_with_their_capabilities(db):
    from django.contrib.auth.models import Group

    marketer = Group.objects.get(name=MARKETER)
    codenames = set(marketer.permissions.values_list("codename", flat=True))
    assert codenames == {
        "prepare_data",
        "train_models",
        "view_models",
        "view_leads",
        "score_leads",
    }
    admin = Group.objects.get(name=ADMIN)
    assert admin.permissions.filter(codename="change_user").exists()
    assert admin.permissions.filter(codename="change_tier").exists()


def test_the_menu_shows_only_the_roles_pages(client, django_user_model):
    client.force_login(role_user(django_user_model, SALES_MANAGER))
    menu = client.get(reverse("routing:queue")).content.decode()
    assert reverse("routing:leads") in menu
    assert reverse("datasets:upload") not in menu
    assert reverse("routing:tiers") not in menu
