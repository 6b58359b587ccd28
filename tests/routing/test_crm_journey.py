"""A CRM integrates using nothing but the OpenAPI schema and a token."""

import json

import jsonschema
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def check(schema: dict, operation: dict, status: int, body: dict) -> None:
    """Validate a response body against what the schema promises."""
    promised = operation["responses"][str(status)]["content"]["application/json"]
    root = {"components": schema["components"], **promised["schema"]}
    jsonschema.validate(body, root)


def test_a_crm_follows_the_schema_end_to_end(client, api, version, receiver, run_jobs):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    paths = schema["paths"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    from routing.models import RoutingRule, Tier

    for tier in Tier.objects.ordered():
        RoutingRule.objects.create(
            tier=tier, kind="webhook", url=receiver.url, secret="k"
        )

    model = api("get", "/api/v1/model").json()
    check(schema, paths["/api/v1/model"]["get"], 200, model)
    lead = {"external_id": "hub-42", "crm_stage": "new"}
    for field in model["fields"]:
        lead[field["name"]] = 30 if field["type"] == "number" else "Referral"

    scored = api("post", "/api/v1/score", lead)
    check(schema, paths["/api/v1/score"]["post"], 200, scored.json())
    batch = api(
        "post", "/api/v1/score", {"leads": [lead, lead | {"external_id": "h2"}]}
    )
    check(schema, paths["/api/v1/score"]["post"], 200, batch.json())
    wrong = api("post", "/api/v1/score", lead | {"Minutes on site": "lots"})
    check(schema, paths["/api/v1/score"]["post"], 400, wrong.json())

    path = "/api/v1/leads/{external_id}"
    answers = api("patch", path.format(external_id="hub-42"), {"budget": "50k"})
    check(schema, paths[path]["patch"], 200, answers.json())
    record = api("get", path.format(external_id="hub-42")).json()
    check(schema, paths[path]["get"], 200, record)
    outcome_path = path + "/outcome"
    won = api("post", outcome_path.format(external_id="hub-42"), {"outcome": "won"})
    check(schema, paths[outcome_path]["post"], 200, won.json())
    missing = api("get", path.format(external_id="nobody"))
    check(schema, paths[path]["get"], 404, missing.json())

    run_jobs("delivery")
    assert scored.json()["ignored_fields"] == ["crm_stage"]
    assert len(record["history"]) == 3 and won.json()["outcome"] == "won"
    # One per lead and tier: hub-42 was scored three times in the same tier.
    sent = sorted(json.loads(r["body"])["external_id"] for r in receiver.received)
    assert sent == ["h2", "hub-42"]
