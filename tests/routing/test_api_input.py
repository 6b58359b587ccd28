"""Odd input an integrator may send: each gets a 400 or 404 in the API's
error shape, never a 500 or an HTML page."""

import json

import numpy as np
import pytest
from django.urls import reverse

from routing.models import Lead
from routing.tokens import create_token
from tests.conftest import make_leads
from tests.routing.conftest import build_version

SCORE = "/api/v1/score"
LEAD = {"external_id": "crm-1", "Source": "Referral", "Minutes on site": 40}
NUL = "\u0000"
# Deeper than Python's own recursion limit, which the JSON decoder hits.
# Every endpoint of a CRM's that reads a JSON body.
TAKING_A_BODY = [
    ("post", SCORE),
    ("patch", "/api/v1/leads/crm-1"),
    ("patch", "/api/v1/lead-ids/{lead_id}"),
    ("post", "/api/v1/leads/crm-1/outcome"),
    ("post", "/api/v1/lead-ids/{lead_id}/outcome"),
]
TOO_DEEP = '{"x": ' + "[" * 1100 + "]" * 1100 + "}"


@pytest.fixture
def send(client, api_key):
    """Send a raw body (text, not JSON-encoded) to the API with a token."""

    def call(method: str, path: str, body: str, *, key: str = api_key):
        return getattr(client, method)(
            path,
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    return call


def assert_error(response, status: int, code: str, field: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code and body["error"]
    assert body.get("field") == field


# --- NUL characters, which PostgreSQL text cannot hold ----------------------


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"external_id": f"crm{NUL}1"}, "external_id"),
        ({"owner": f"dana{NUL}"}, "owner"),
        ({"Source": f"Goo{NUL}gle"}, "Source"),
        ({"Minutes on site": f"12{NUL}"}, "Minutes on site"),
        ({"notes": f"call{NUL}back"}, "notes"),
        ({f"no{NUL}tes": "call back"}, f"no{NUL}tes"),
        ({"tags": ["a", f"b{NUL}"]}, "tags"),
        ({"extra": {f"k{NUL}": 1}}, "extra"),
    ],
)
def test_a_nul_character_anywhere_in_a_lead_gets_a_400_naming_the_field(
    api, version, sent, field
):
    response = api("post", SCORE, LEAD | sent)

    assert_error(response, 400, "wrong_type", field)
    assert "NUL" in response.json()["error"]
    assert Lead.objects.count() == 0


def test_a_nul_character_in_a_batch_names_the_lead_by_position(api, version):
    leads = [LEAD, LEAD | {"external_id": "crm-2", "Source": f"x{NUL}"}]

    response = api("post", SCORE, {"leads": leads})

    assert_error(response, 400, "wrong_type", "Source")
    assert response.json()["index"] == 1
    assert Lead.objects.count() == 0


def test_a_nul_character_in_an_update_gets_a_400(api, version):
    url = api("post", SCORE, LEAD).json()["url"]

    by_external_id = api("patch", "/api/v1/leads/crm-1", {"Source": f"x{NUL}"})
    by_lead_id = api("patch", url, {f"bud{NUL}get": "50k"})

    assert_error(by_external_id, 400, "wrong_type", "Source")
    assert_error(by_lead_id, 400, "wrong_type", f"bud{NUL}get")
    assert Lead.objects.get().fields == {"Source": "Referral", "Minutes on site": 40}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/leads/nul%00id", None),
        ("patch", "/api/v1/leads/nul%00id", {"Source": "Google"}),
        ("post", "/api/v1/leads/nul%00id/outcome", {"outcome": "won"}),
    ],
)
def test_a_nul_character_in_the_path_gets_the_json_404(
    api, version, method, path, body
):
    assert_error(api(method, path, body), 404, "not_found")


# --- bodies nested deeper than the JSON decoder goes --------------------------


@pytest.mark.parametrize(("method", "path"), TAKING_A_BODY)
def test_a_body_nested_too_deep_gets_a_parse_error(send, api, version, method, path):
    lead_id = api("post", SCORE, LEAD).json()["lead_id"]

    response = send(method, path.format(lead_id=lead_id), TOO_DEEP)

    assert_error(response, 400, "parse_error")


def test_a_body_nested_too_deep_gets_a_parse_error_from_admin_endpoints(send, version):
    admin_key = create_token("Ops script", scope="admin")[1]
    path = f"/api/v1/models/{version.pk}/activate"

    response = send("post", path, TOO_DEEP, key=admin_key)

    assert_error(response, 400, "parse_error")


def test_a_value_nested_just_within_the_decoder_limit_is_no_500(send, version):
    # Near the recursion limit the decoder succeeds, but storing the value
    # or answering with it would go deeper still.
    body = '{"Source": "Referral", "x": ' + "[" * 950 + "]" * 950 + "}"

    assert_error(send("post", SCORE, body), 400, "parse_error")


@pytest.mark.parametrize(
    "body",
    [
        '{"Source": 1e400}',
        '{"Source": "Referral", "notes": {"a": [-1e999]}}',
        '{"Minutes on site": ' + "9" * 400 + "}",
        '{"Source": "\\ud800"}',
        '{"Source": "Referral", "owner": "a\\udfff"}',
        '{"external_id": "\\udc00x", "Source": "Referral"}',
        '{"Source": "Referral", "\\ud83d": 1}',
    ],
)
def test_valid_json_no_database_could_store_gets_a_parse_error(send, version, body):
    response = send("post", SCORE, body)

    assert_error(response, 400, "parse_error")
    assert "not valid JSON" not in response.json()["error"]
    assert Lead.objects.count() == 0


def test_a_character_sent_as_an_escaped_pair_is_stored_whole(send, version):
    body = '{"Source": "Referral", "notes": "\\ud83d\\ude00", "id": 9007199254740993}'

    response = send("post", SCORE, body)

    assert response.status_code == 200, response.json()
    fields = Lead.objects.get().fields
    assert fields["notes"] == "\U0001f600" and fields["id"] == 9007199254740993


def test_a_field_the_model_does_not_know_may_hold_a_list_or_an_object(api, version):
    sent = {"tags": ["a", ["b"]], "crm": {"stage": {"name": "new"}}}

    response = api("post", SCORE, LEAD | sent)

    assert response.status_code == 200, response.json()
    assert Lead.objects.get().fields["crm"] == {"stage": {"name": "new"}}


# --- external IDs: trimmed alike, one line of text ---------------------------


def test_an_external_id_is_looked_up_trimmed_as_it_was_stored(api, version):
    api("post", SCORE, LEAD | {"external_id": " pad "})

    found = api("get", "/api/v1/leads/%20pad%20")
    patched = api("patch", "/api/v1/leads/%20pad%20", {"Source": "Google"})
    won = api("post", "/api/v1/leads/pad%0A/outcome", {"outcome": "won"})

    assert found.status_code == 200 and found.json()["external_id"] == "pad"
    assert patched.status_code == 200, patched.json()
    assert won.status_code == 200 and won.json()["outcome"] == "won"
    lead = Lead.objects.get()
    assert lead.fields["Source"] == "Google" and lead.scores.count() == 2


@pytest.mark.parametrize(
    "external_id", ["line\nbreak", "tab\there", "bell\u0007", "para\u2028graph"]
)
def test_an_external_id_with_a_control_character_is_refused(api, version, external_id):
    response = api("post", SCORE, LEAD | {"external_id": external_id})

    assert_error(response, 400, "wrong_type", "external_id")
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/leads/line%0Abreak", None),
        ("post", "/api/v1/leads/line%0Abreak/outcome", {"outcome": "won"}),
        ("get", "/api/v1/nothing%0Ahere", None),
        ("get", "/api/v1/%0A", None),
    ],
)
def test_a_path_with_a_line_break_gets_the_json_404(api, version, method, path, body):
    assert_error(api(method, path, body), 404, "not_found")


# --- errors that name what is really wrong ----------------------------------


@pytest.mark.parametrize("body", ['["won"]', '"won"', "7"])
@pytest.mark.parametrize(
    "path", ["/api/v1/leads/crm-1/outcome", "/api/v1/lead-ids/{lead_id}/outcome"]
)
def test_an_outcome_body_that_is_no_object_is_an_invalid_body(
    send, api, version, body, path
):
    lead_id = api("post", SCORE, LEAD).json()["lead_id"]

    response = send("post", path.format(lead_id=lead_id), body)

    assert_error(response, 400, "invalid_body")
    assert Lead.objects.get().outcome == ""


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"outcome": "maybe"}, "invalid_outcome", "outcome"),
        ({}, "invalid_outcome", "outcome"),
        ({"outcome": "won", "date": "15 Octobre"}, "invalid_date", "date"),
        ({"outcome": "won", "date": "2999-01-01"}, "invalid_date", "date"),
    ],
)
def test_an_outcome_error_names_its_field(api, version, body, code, field):
    api("post", SCORE, LEAD)

    response = api("post", "/api/v1/leads/crm-1/outcome", body)

    assert_error(response, 400, code, field)


@pytest.mark.parametrize(("method", "path"), TAKING_A_BODY)
def test_an_empty_body_is_called_empty(send, api, version, method, path):
    lead_id = api("post", SCORE, LEAD).json()["lead_id"]

    response = send(method, path.format(lead_id=lead_id), "")

    assert_error(response, 400, "invalid_body")
    assert "empty" in response.json()["error"]
    assert "index" not in response.json()


@pytest.mark.parametrize("path", ["/api/v1/leads/crm-1", "/api/v1/lead-ids/{lead_id}"])
def test_an_update_with_a_batch_is_refused(api, version, path):
    lead_id = api("post", SCORE, LEAD).json()["lead_id"]
    batch = {"leads": [{"Source": "Google"}]}

    response = api("patch", path.format(lead_id=lead_id), batch)

    assert_error(response, 400, "invalid_body", "leads")
    assert "one lead" in response.json()["error"]
    assert "leads" not in Lead.objects.get().fields


# --- yes/no fields read as an uploaded file reads them ----------------------

YES_NO = "Do Not Email"


@pytest.fixture
def yes_no_version(db, settings, tmp_path):
    """An active model whose history holds a yes/no column."""
    settings.MEDIA_ROOT = tmp_path / "media"
    history = make_leads(400, random_state=4)
    history[YES_NO] = np.where(np.arange(len(history)) % 3 == 0, "Yes", "No")
    version = build_version(history)
    version.activate()
    assert version.column_kinds[YES_NO] == "yes_no"
    return version


def test_yes_and_no_are_taken_as_an_upload_spells_them(api, yes_no_version):
    spellings = {
        "Yes": [True, "yes", " YES ", "Y", "true", "T", "1", 1, 1.0],
        "No": [False, "no", "No ", "n", "FALSE", "f", "0", 0, 0.0],
        None: [None, "", "n/a"],
    }
    sent = [(value, stored) for stored, values in spellings.items() for value in values]
    leads = [{"external_id": f"e{i}", YES_NO: v} for i, (v, _) in enumerate(sent)]

    response = api("post", SCORE, {"leads": leads})

    assert response.status_code == 200, response.json()
    probas = {}
    for (value, stored), result in zip(sent, response.json()["leads"]):
        lead = Lead.objects.get(pk=result["lead_id"])
        assert lead.fields[YES_NO] == stored, value
        probas.setdefault(stored, set()).add(result["probability"])
    assert all(len(values) == 1 for values in probas.values())


@pytest.mark.parametrize("value", ["maybe", 5, "2", -1, 0.5, ["yes"], {"a": "yes"}])
def test_a_yes_no_field_refuses_anything_else(api, yes_no_version, value):
    single = api("post", SCORE, {YES_NO: value})
    batch = api("post", SCORE, {"leads": [{YES_NO: "yes"}, {YES_NO: value}]})

    assert_error(single, 400, "wrong_type", YES_NO)
    assert "yes or no" in single.json()["error"]
    assert_error(batch, 400, "wrong_type", YES_NO)
    assert batch.json()["index"] == 1
    assert Lead.objects.count() == 0


def test_an_update_checks_a_yes_no_field_too(api, yes_no_version):
    url = api("post", SCORE, {YES_NO: "no"}).json()["url"]

    wrong = api("patch", url, {YES_NO: "maybe"})
    right = api("patch", url, {YES_NO: " Yes"})

    assert_error(wrong, 400, "wrong_type", YES_NO)
    assert right.status_code == 200
    assert Lead.objects.get().fields[YES_NO] == "Yes"


# --- the pages and admin endpoints that share these checks -------------------


def test_the_web_form_shows_a_wrong_yes_no_value_on_the_form(
    marketer_client, yes_no_version
):
    form = marketer_client.get(reverse("routing:score-one")).context["form"]
    key = next(k for k, field in form.fields.items() if field.label == YES_NO)

    page = marketer_client.post(reverse("routing:score-one"), {key: "maybe"})

    assert page.status_code == 200
    assert "yes or no" in page.context["form"].errors[key][0]
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("reason", "words"), [("x" * 501, "too long"), ("", "Say why")]
)
def test_activating_a_model_says_what_is_wrong_with_the_reason(
    api, version, reason, words
):
    admin_key = create_token("Ops script", scope="admin")[1]
    path = f"/api/v1/models/{version.pk}/activate"

    response = api("post", path, {"reason": reason}, key=admin_key)

    assert_error(response, 400, "invalid_reason", "reason")
    assert words in response.json()["error"]


def test_a_body_over_the_size_limit_gets_a_json_413(send, version, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"external_id": "big", "Source": "x" * 2000})

    response = send("post", SCORE, body)

    assert_error(response, 413, "too_large")
    assert not Lead.objects.filter(external_id="big").exists()
