import re
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework import exceptions

import routing
from routing.models import ApiToken, Lead, Score
from routing.tokens import revoke_token
from tests.routing.test_crm_journey import check

SCORE = "/api/v1/score"
LEAD = {
    "external_id": "crm-1",
    "Source": "Referral",
    "Minutes on site": 40,
    "Employees": "11-50",
}


def test_one_lead_is_scored_stored_and_explained(api, version):
    response = api("post", SCORE, LEAD | {"favourite colour": "blue"})

    body = response.json()
    assert response.status_code == 200, body
    assert 0 <= body["probability"] <= 1
    assert body["tier"]["name"] in {"Hot", "Warm", "Cold"}
    assert body["model_version"] == version.pk
    assert body["reasons"] and "text" in body["reasons"][0]
    assert body["ignored_fields"] == ["favourite colour"]
    assert body["missing_fields"] == []
    lead = Lead.objects.get(pk=body["lead_id"])
    assert lead.fields["Source"] == "Referral" and lead.source == "Test CRM"
    assert lead.scores.count() == 1


def test_a_batch_returns_one_result_per_lead_in_order(api, version):
    leads = [{"external_id": f"b{i}", "Minutes on site": i} for i in range(30)]

    body = api("post", SCORE, {"leads": leads}).json()

    assert body["count"] == 30
    assert [r["external_id"] for r in body["leads"]] == [f"b{i}" for i in range(30)]
    assert body["leads"][0]["missing_fields"] == ["Source", "Employees"]
    probas = [r["probability"] for r in body["leads"]]
    assert probas[-1] > probas[0]  # more minutes on site, more likely


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (LEAD | {"Minutes on site": "a lot"}, "wrong_type", "Minutes on site"),
        (LEAD | {"Source": ["Google"]}, "wrong_type", "Source"),
        (LEAD | {"external_id": {"id": 1}}, "wrong_type", "external_id"),
        ({"leads": []}, "invalid_body", "leads"),
        ({"leads": [{}] * 1001}, "too_many_leads", "leads"),
        ([LEAD], "invalid_body", None),
    ],
)
def test_bad_input_gets_a_400_naming_the_field(api, version, body, code, field):
    response = api("post", SCORE, body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json().get("field") == field
    if isinstance(body, dict) and "leads" not in body:
        assert "index" not in response.json()  # as the schema says: batches only
    assert Lead.objects.count() == 0


def test_the_bad_lead_of_a_batch_is_named_by_position(api, version):
    leads = [LEAD, LEAD | {"Minutes on site": True}]

    body = api("post", SCORE, {"leads": leads}).json()

    assert body["index"] == 1 and body["field"] == "Minutes on site"


def test_numbers_sent_as_text_are_accepted(api, version):
    assert api("post", SCORE, LEAD | {"Minutes on site": "12.5"}).status_code == 200


def test_invalid_json_empty_leads_and_missing_tokens_get_the_error_shape(
    client, api, api_key, version
):
    bad = client.post(
        SCORE,
        data="{nope",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )
    empty = api("post", SCORE, {})
    no_token = client.post(SCORE, data="{}", content_type="application/json")
    wrong_token = api("post", SCORE, LEAD, key="ls_not-a-token")

    assert bad.status_code == 400 and bad.json()["code"] == "parse_error"
    assert empty.status_code == 400 and empty.json()["code"] == "invalid_lead"
    assert (
        no_token.status_code == 401 and no_token.json()["code"] == "not_authenticated"
    )
    assert wrong_token.status_code == 401


def test_a_revoked_token_stops_working(api, api_key, version):
    revoke_token(ApiToken.objects.get())

    response = api("post", SCORE, LEAD)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_without_a_model_the_api_says_so(api, db):
    response = api("post", SCORE, LEAD)

    assert response.status_code == 503 and response.json()["code"] == "no_active_model"


def test_answers_added_later_rescore_the_same_lead(api, version):
    first = api("post", SCORE, {"external_id": "q1", "Minutes on site": 5}).json()

    later = api("patch", "/api/v1/leads/q1", {"Source": "Referral", "budget": "50k"})

    assert later.status_code == 200
    assert later.json()["lead_id"] == first["lead_id"]
    assert later.json()["probability"] > first["probability"]
    lead = Lead.objects.get(pk=first["lead_id"])
    assert lead.fields == {"Minutes on site": 5, "Source": "Referral", "budget": "50k"}
    history = api("get", "/api/v1/leads/q1").json()["history"]
    assert len(history) == 2 and Score.objects.count() == 2


def test_sending_a_known_external_id_again_rescores_that_lead(api, version):
    api("post", SCORE, LEAD)
    api("post", SCORE, LEAD | {"Minutes on site": 2})

    assert Lead.objects.count() == 1 and Score.objects.count() == 2


def test_an_outcome_is_recorded_through_the_api(api, version):
    api("post", SCORE, LEAD)

    response = api("post", "/api/v1/leads/crm-1/outcome", {"outcome": "won"})
    wrong = api("post", "/api/v1/leads/crm-1/outcome", {"outcome": "maybe"})
    unknown = api("post", "/api/v1/leads/nobody/outcome", {"outcome": "won"})

    assert response.json()["outcome"] == "won"
    assert wrong.json()["code"] == "invalid_outcome"
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(" Converted ", "won"), ("not converted", "lost"), (True, "won"), (0, "lost")],
)
def test_an_outcome_is_read_as_the_csv_upload_reads_it(api, version, sent, stored):
    api("post", SCORE, LEAD)

    response = api("post", "/api/v1/leads/crm-1/outcome", {"outcome": sent})

    assert response.status_code == 200, response.json()
    assert Lead.objects.get(external_id="crm-1").outcome == stored


def test_a_number_far_outside_the_history_is_scored_with_a_warning(api, version):
    typo = api("post", SCORE, LEAD | {"Minutes on site": 1e308}).json()
    usual = api("post", SCORE, LEAD | {"external_id": "crm-2"}).json()

    [warning] = typo["warnings"]
    assert warning.startswith('"Minutes on site" is 1e+308, outside anything in')
    assert usual["warnings"] == []


def test_an_external_id_with_a_slash_is_addressable(api, version):
    api("post", SCORE, LEAD | {"external_id": "accounts/42"})

    found = api("get", "/api/v1/leads/accounts/42")
    won = api("post", "/api/v1/leads/accounts/42/outcome", {"outcome": "won"})

    assert found.status_code == 200 and found.json()["external_id"] == "accounts/42"
    assert won.status_code == 200 and won.json()["outcome"] == "won"


def test_an_outcome_keeps_the_day_the_crm_gives(api, version):
    api("post", SCORE, LEAD)
    url = "/api/v1/leads/crm-1/outcome"

    dated = api("post", url, {"outcome": "lost", "date": "2026-10-15"})
    garbled = api("post", url, {"outcome": "won", "date": "15 Octobre"})
    future = api("post", url, {"outcome": "won", "date": "2999-01-01"})

    assert dated.json()["outcome_at"].startswith("2026-10-15")
    assert garbled.status_code == 400 and garbled.json()["code"] == "invalid_date"
    assert future.status_code == 400 and "future" in future.json()["error"]
    lead = Lead.objects.get(external_id="crm-1")
    assert lead.outcome == "lost" and lead.outcome_at.date().isoformat() == "2026-10-15"


def test_the_model_endpoint_lists_fields_and_tiers(api, version):
    body = api("get", "/api/v1/model").json()

    assert {"name": "Minutes on site", "type": "number"} in body["fields"]
    assert [t["name"] for t in body["tiers"]] == ["Hot", "Warm", "Cold"]


def test_the_schema_is_served_and_browsable(client, db):
    schema = client.get("/api/v1/schema", {"format": "json"})
    page = client.get("/api/v1/docs")

    assert schema.status_code == 200
    assert "/api/v1/score" in schema.json()["paths"]
    assert "/api/v1/lead-ids/{lead_id}" in schema.json()["paths"]
    assert b"POST /api/v1/score" in page.content


# Raised by DRF itself for the API's settings: token permission and throttle,
# JSON parser and renderer, and the methods each endpoint takes.
FRAMEWORK_ERRORS = (
    exceptions.NotAuthenticated,
    exceptions.PermissionDenied,
    exceptions.Throttled,
    exceptions.ParseError,
    exceptions.UnsupportedMediaType,
    exceptions.MethodNotAllowed,
    exceptions.NotAcceptable,
)


def codes_in_routing() -> set[str]:
    """Return every error code the routing app's code raises or answers."""
    codes = {error.default_code for error in FRAMEWORK_ERRORS}
    for source in Path(routing.__file__).parent.glob("*.py"):
        text = source.read_text()
        codes |= set(re.findall(r'\bcode="(\w+)"', text))
        codes |= set(re.findall(r'"code": "(\w+)"', text))
        for name in re.findall(r"\bexceptions\.(\w+)\(", text):
            codes.add(getattr(exceptions, name).default_code)
    return codes


def test_the_schema_names_every_error_code_the_api_can_answer(client, db):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()

    documented = set(schema["components"]["schemas"]["CodeEnum"]["enum"])
    raised = codes_in_routing()

    assert {"invalid_status", "invalid_reason", "not_finished"} <= raised
    assert raised - documented == set()


def test_the_schema_gives_every_endpoint_its_401_403_and_429(client, db):
    paths = client.get("/api/v1/schema", {"format": "json"}).json()["paths"]

    for path, methods in paths.items():
        for method, operation in methods.items():
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nothing-here"),
        ("get", "/api/v1/"),
        ("post", "/api/v1/models/abc/activate"),
        ("post", "/api/v1/deliveries/abc/resend"),
        ("get", "/api/v1/lead-ids/abc"),
        ("get", "/api/v1/score/"),
    ],
)
def test_an_unknown_or_malformed_api_path_gets_a_json_404(
    client, api, db, method, path
):
    with_token = api(method, path)
    without_token = getattr(client, method)(path)

    for response in (with_token, without_token):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
        assert "/api/v1/docs" in response.json()["error"]


def test_a_lead_sent_without_external_id_is_fetched_by_its_url(api, version):
    scored = api("post", SCORE, {"Minutes on site": 5}).json()

    found = api("get", scored["url"])

    assert scored["external_id"] == ""
    assert scored["url"] == f"/api/v1/lead-ids/{scored['lead_id']}"
    assert found.status_code == 200
    assert found.json()["lead_id"] == scored["lead_id"]
    assert found.json()["url"] == scored["url"]
    assert len(found.json()["history"]) == 1


def test_lead_ids_and_external_ids_never_meet(api, version):
    first = api("post", SCORE, {"Minutes on site": 5}).json()
    # A CRM whose own ID happens to be another lead's number.
    named = api("post", SCORE, LEAD | {"external_id": str(first["lead_id"])}).json()

    by_external = api("get", f"/api/v1/leads/{first['lead_id']}").json()
    by_id = api("get", f"/api/v1/lead-ids/{first['lead_id']}").json()
    missing = api("get", "/api/v1/lead-ids/999999")

    assert by_external["lead_id"] == named["lead_id"] != first["lead_id"]
    assert by_id["lead_id"] == first["lead_id"]
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_create_api_token_prints_a_working_token(client, version, capsys):
    call_command("create_api_token", "Chatbot")
    key = capsys.readouterr().out.strip()

    response = client.post(
        SCORE,
        data=LEAD,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 200
    assert key not in str(ApiToken.objects.values_list())


def test_missing_fields_are_those_blank_after_the_merge(api, version):
    api("post", SCORE, {"external_id": "m-1", "Source": "Referral"})

    again = api("post", SCORE, {"external_id": "m-1", "Minutes on site": 9}).json()
    answered = api("patch", "/api/v1/leads/m-1", {"budget": "50k"}).json()
    cleared = api("patch", "/api/v1/leads/m-1", {"Source": None}).json()

    assert again["missing_fields"] == ["Employees"]
    assert answered["missing_fields"] == ["Employees"]
    assert cleared["missing_fields"] == ["Source", "Employees"]
    fields = Lead.objects.get(external_id="m-1").fields
    assert fields == {"Source": None, "Minutes on site": 9, "budget": "50k"}


def test_a_lead_without_external_id_is_updated_through_its_url(api, version):
    scored = api("post", SCORE, {"Minutes on site": 5}).json()

    later = api("patch", scored["url"], {"Source": "Referral", "budget": "50k"})
    won = api("post", scored["url"] + "/outcome", {"outcome": "won"})

    body = later.json()
    assert later.status_code == 200, body
    assert body["lead_id"] == scored["lead_id"] and body["external_id"] == ""
    assert body["probability"] > scored["probability"]
    assert body["ignored_fields"] == ["budget"]
    assert body["missing_fields"] == ["Employees"]
    assert won.status_code == 200 and won.json()["outcome"] == "won"
    lead = Lead.objects.get()
    assert lead.fields == {"Minutes on site": 5, "Source": "Referral", "budget": "50k"}
    assert lead.scores.count() == 2 and lead.outcome == "won"


def test_updates_by_lead_id_check_the_body_and_the_id(api, version):
    scored = api("post", SCORE, {"Minutes on site": 5}).json()

    wrong = api("patch", scored["url"], {"Minutes on site": "lots"})
    bad_outcome = api("post", scored["url"] + "/outcome", {"outcome": "maybe"})
    unknown = api("patch", "/api/v1/lead-ids/999999", {"Source": "Referral"})
    unknown_outcome = api("post", "/api/v1/lead-ids/999999/outcome", {"outcome": ""})

    assert wrong.status_code == 400 and wrong.json()["field"] == "Minutes on site"
    assert bad_outcome.json()["code"] == "invalid_outcome"
    assert unknown.status_code == unknown_outcome.status_code == 404
    assert Score.objects.count() == 1


def test_updates_by_lead_id_answer_as_the_schema_says(client, api, version):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    paths = schema["paths"]
    url = api("post", SCORE, {"Minutes on site": 5}).json()["url"]

    patched = api("patch", url, {"Source": "Google"})
    won = api("post", url + "/outcome", {"outcome": "won"})

    check(schema, paths["/api/v1/lead-ids/{lead_id}"]["patch"], 200, patched.json())
    outcome = paths["/api/v1/lead-ids/{lead_id}/outcome"]["post"]
    check(schema, outcome, 200, won.json())


@pytest.mark.parametrize(
    ("text", "number"),
    [("1,532", 1532), ("$1200", 1200), ("12%", 12), (" 7 ", 7), ("3,5", 3.5)],
)
def test_numeric_text_is_read_as_an_uploaded_file_reads_it(api, version, text, number):
    response = api("post", SCORE, LEAD | {"Minutes on site": text})

    assert response.status_code == 200, response.json()
    lead = Lead.objects.get(pk=response.json()["lead_id"])
    assert lead.fields["Minutes on site"] == number


@pytest.mark.parametrize("text", ["n/a", " Select ", "-"])
def test_a_placeholder_in_a_number_field_is_blank(api, version, text):
    response = api("post", SCORE, LEAD | {"Minutes on site": text})

    assert response.status_code == 200, response.json()
    assert "Minutes on site" in response.json()["missing_fields"]


@pytest.mark.parametrize("text", ["1,532 minutes", "12-15", "$"])
def test_text_that_is_still_no_number_keeps_its_400(api, version, text):
    response = api("post", SCORE, LEAD | {"Minutes on site": text})

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_type"


@pytest.mark.parametrize(
    ("sent", "stored"), [("WON", "won"), (" lost ", "lost"), ("Won ", "won")]
)
def test_an_outcome_is_read_in_any_case_and_with_spaces(api, version, sent, stored):
    api("post", SCORE, LEAD)

    response = api("post", "/api/v1/leads/crm-1/outcome", {"outcome": sent})

    assert response.status_code == 200, response.json()
    assert Lead.objects.get().outcome == stored


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("Source", ["Google"], 'must be text, not ["Google"].'),
        ("Source", {"name": "Google"}, 'must be text, not {"name": "Google"}.'),
        ("Minutes on site", True, "must be a number, not true."),
        ("Minutes on site", "a lot", 'must be a number, not "a lot".'),
    ],
)
def test_a_wrong_value_is_shown_as_the_json_that_was_sent(
    api, version, field, value, shown
):
    error = api("post", SCORE, LEAD | {field: value}).json()["error"]

    assert error == f'Field "{field}" {shown}'


def test_a_long_wrong_value_is_shown_cut_short(api, version):
    error = api("post", SCORE, LEAD | {"Source": ["x" * 500]}).json()["error"]

    assert len(error) < 120 and error.endswith("….")


def test_an_unknown_external_id_is_quoted_as_json(api, version):
    error = api("get", "/api/v1/leads/nobody").json()["error"]

    assert error.startswith('No lead has the external ID "nobody".')


def test_an_owner_who_is_no_user_gets_a_warning(api, version, django_user_model):
    django_user_model.objects.create_user("dana", "dana@example.com")

    unknown = api("post", SCORE, LEAD | {"owner": "nobody@example.com"}).json()
    known = api("post", SCORE, LEAD | {"owner": "dana@example.com"}).json()
    by_id = api("patch", unknown["url"], {"owner": "nobody"}).json()

    assert unknown["ignored_fields"] == ["owner"]
    assert unknown["warnings"] == [
        'No active Leadscore user has the username or e-mail "nobody@example.com", '
        "so the lead's owner was not changed."
    ]
    assert known["warnings"] == [] and known["ignored_fields"] == []
    assert by_id["ignored_fields"] == ["owner"] and len(by_id["warnings"]) == 1
    assert Lead.objects.get().owner.username == "dana"
