"""The security cases of issue 7: logins, headers, uploads, exports, webhooks,
model artifacts and API tokens."""

import csv
import hashlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from datasets.models import Dataset
from leadscore_site.roles import ADMIN, MARKETER
from modeling.artifacts import library_versions, load_pipeline
from routing.actions import UnsafeUrlError, check_webhook_url
from routing.export import escape_formula, write_safe_csv
from routing.models import ApiToken
from routing.tokens import create_token, hash_key, token_scope
from tests.roles import role_user

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
LOGIN = {"username": "marketer", "password": "pw-marketer-1"}


def test_logins_are_locked_after_repeated_failures(client, django_user_model):
    role_user(django_user_model, MARKETER)
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        client.post(reverse("login"), LOGIN | {"password": "wrong"})

    right = client.post(reverse("login"), LOGIN)

    assert right.status_code == 429
    assert b"Too many failed logins" in right.content
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_a_lockout_holds_only_the_guessers_address(
    client, django_user_model, settings
):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (
        "HTTP_X_FORWARDED_FOR",
        "REMOTE_ADDR",
    )
    role_user(django_user_model, MARKETER)
    guesser = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.2"}
    owner = {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 10.0.0.2"}
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), LOGIN | {"password": "wrong"}, **guesser)

    blocked = client.post(reverse("login"), LOGIN, **guesser)
    let_in = client.post(reverse("login"), LOGIN, **owner)

    assert blocked.status_code == 429
    assert let_in.status_code == 302


def test_a_right_password_logs_in_before_the_limit(client, django_user_model):
    role_user(django_user_model, MARKETER)
    client.post(reverse("login"), LOGIN | {"password": "wrong"})
    response = client.post(reverse("login"), LOGIN)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("password", ["short1", "password123", "12345678901"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_pages_carry_the_security_headers_and_a_strict_policy(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]

    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    found = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if inline.search(path.read_text()) or handler.search(path.read_text())
    ]
    assert found == []


def test_every_post_form_carries_a_csrf_token():
    form = re.compile(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", re.I | re.S)
    missing = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        for body in form.findall(path.read_text())
        if "csrf_token" not in body
    ]
    assert missing == []


def test_a_post_without_the_csrf_token_is_refused(client, django_user_model):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(role_user(django_user_model, MARKETER))
    upload = SimpleUploadedFile("leads.csv", b"a,b\n1,2\n")
    assert strict.post(reverse("datasets:upload"), {"file": upload}).status_code == 403


def test_an_upload_name_never_reaches_a_path(
    client, django_user_model, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(role_user(django_user_model, MARKETER))
    evil = SimpleUploadedFile("../../../etc/cron.d/x.csv", b"a,Converted\n1,Yes\n")

    client.post(reverse("datasets:upload"), {"file": evil})

    stored = Path(Dataset.objects.get().file.path)
    assert stored.parent == tmp_path / "uploads"
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", stored.name)
    assert not (tmp_path.parent / "etc").exists()


def test_uploads_live_outside_the_web_root_and_are_not_served(client, db):
    media = Path(django_settings.MEDIA_ROOT).resolve()
    static = Path(django_settings.STATIC_ROOT).resolve()
    assert static not in media.parents and media not in static.parents
    assert client.get("/media/uploads/x.csv").status_code in (403, 404)
    assert client.get("/var/media/uploads/x.csv").status_code in (403, 404)


def test_a_file_of_another_type_is_recognised_by_its_content(
    client, django_user_model, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(role_user(django_user_model, MARKETER))
    png = SimpleUploadedFile("leads.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)

    client.post(reverse("datasets:upload"), {"file": png})

    assert Dataset.objects.get().status == Dataset.Status.FAILED


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'],
)
def test_spreadsheet_formulas_are_escaped_in_exports(value):
    assert escape_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["-2", "+1", "-1,234.50", "-0.5"])
def test_a_signed_number_is_written_as_the_number_it_is(value):
    assert escape_formula(value) == value


def test_a_scored_file_escapes_cells_and_names_as_escape_formula_does():
    values = ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-2", "+1", "ok"]
    frame = pd.DataFrame({"=cmd": values, "n": range(len(values))})
    out = io.BytesIO()

    write_safe_csv(frame, out)

    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows[0] == ["'=cmd", "n"]
    assert [row[0] for row in rows[1:]] == [escape_formula(v) for v in values]


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://0.0.0.0/",
        "http://[fd00:ec2::254]/",
        "gopher://example.com/",
        "http://100.64.0.1/",
    ],
)
def test_webhooks_refuse_more_disguised_internal_addresses(url, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(UnsafeUrlError):
        check_webhook_url(url)


def test_a_listed_host_may_be_internal(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert check_webhook_url("http://127.0.0.1:9/hook") == ["127.0.0.1"]


def test_a_model_artifact_is_loaded_only_from_the_apps_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    outside = tmp_path / "evil.joblib"
    outside.write_bytes(b"not a model")
    checksum = hashlib.sha256(b"not a model").hexdigest()
    with pytest.raises(SuspiciousFileOperation):
        load_pipeline("../evil.joblib", checksum, library_versions())


def test_api_tokens_are_stored_hashed_and_scoped(db):
    token, key = create_token("CRM")
    admin, admin_key = create_token("Ops", scope="admin")

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in [str(value) for value in stored.values()]
    assert stored["key_hash"] == hash_key(key)
    assert (token_scope(token), token_scope(admin)) == ("scoring", "admin")
    assert admin_key.startswith("lsa_") and key.startswith("ls_")


def test_a_token_is_shown_once(client, django_user_model):
    client.force_login(role_user(django_user_model, ADMIN))
    created = client.post(reverse("routing:tokens"), {"name": "CRM"})
    key = re.search(rb"ls_[\w-]{40,}", created.content).group().decode()

    listed = client.get(reverse("routing:tokens"))

    assert key.encode() not in listed.content


def test_api_requests_are_rate_limited_per_token(client, db, settings):
    # Counts are keyed by each new token's hash, so no earlier test's count
    # applies; the cache is not cleared, as it shares Redis with the queues.
    settings.API_RATE_LIMIT = "3/min"
    key, other = create_token("CRM")[1], create_token("Form")[1]

    def call(token: str) -> int:
        return client.get("/api/v1/model", HTTP_AUTHORIZATION=f"Bearer {token}")

    answers = [call(key).status_code for _ in range(4)]
    assert answers[:3] == [503] * 3 and answers[3] == 429
    assert call(key).json()["code"] == "throttled"
    assert call(other).status_code == 503


def test_guessing_tokens_from_one_address_is_cut_off(client, db, settings):
    settings.API_BAD_TOKEN_LIMIT = 3
    guesser, neighbour = "203.0.113.50", "203.0.113.51"
    for address in (guesser, neighbour):
        cache.delete(f"api-bad-token:{address}")

    def call(address: str, token: str = "ls_guess") -> int:
        return client.get(
            "/api/v1/model", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address
        )

    answers = [call(guesser).status_code for _ in range(4)]
    real = create_token("CRM")[1]

    assert answers == [401, 401, 401, 429]
    assert "unknown tokens" in call(guesser).json()["error"]
    # A real token is let in from there (no model yet, hence 503): one
    # integration left with a revoked token must not lock out the others.
    assert call(guesser, real).status_code == 503
    assert call(neighbour, real).status_code == 503  # no model yet, but let in
