"""The API's schema and its docs page, as an integrator reads them."""

import html
import re

import pytest

from routing.views_api_docs import with_code
from tests.routing.test_crm_journey import check

SCHEMA = "/api/v1/schema"
DOCS = "/api/v1/docs"


@pytest.fixture
def schema(client, db) -> dict:
    return client.get(SCHEMA, {"format": "json"}).json()


@pytest.fixture
def docs_page(client, db) -> str:
    page = client.get(DOCS)
    assert page.status_code == 200
    return page.content.decode()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def descriptions(node: object):
    """Yield every "description" text anywhere in the schema."""
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            yield node["description"]
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from descriptions(child)


def section(page: str, anchor: str) -> str:
    found = re.search(rf'<section[^>]* id="{anchor}".*?</section>', page, re.S)
    assert found, f"no section #{anchor} on the page"
    return found.group()


def text(fragment: str) -> str:
    """Return what a reader sees of an HTML fragment, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(fragment: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", fragment, re.S)
    return [
        [text(c) for c in re.findall(r"<t[hd]\b.*?</t[hd]>", r, re.S)] for r in rows
    ]


# --- the schema ---


def test_every_operation_documents_405_and_406_with_the_error_shape(schema):
    for path, method, operation in operations(schema):
        for status in ("405", "406"):
            answer = operation["responses"].get(status)
            assert answer, (status, method, path)
            body = answer["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}


def test_a_wrong_method_and_a_wrong_accept_answer_as_the_schema_says(
    client, api, api_key, version, schema
):
    wrong_method = api("get", "/api/v1/score")
    wrong_accept = client.get(
        "/api/v1/model",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
        HTTP_ACCEPT="application/xml",
    )

    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    check(schema, schema["paths"]["/api/v1/score"]["post"], 405, wrong_method.json())
    assert wrong_accept.status_code == 406
    assert wrong_accept.json()["code"] == "not_acceptable"
    check(schema, schema["paths"]["/api/v1/model"]["get"], 406, wrong_accept.json())


def test_no_description_in_the_schema_shows_an_empty_code_span(schema):
    assert [d for d in descriptions(schema) if "``" in d] == []


def enum_values(schema: dict, prop: dict) -> set:
    """Return the values a property takes, following its enums' references."""
    shapes = schema["components"]["schemas"]
    found = set(prop.get("enum", []))
    for choice in prop.get("oneOf", []):
        found |= set(shapes[choice["$ref"].rsplit("/", 1)[1]]["enum"])
    return found


def test_an_outcome_is_won_lost_or_blank_in_plain_words(schema):
    shapes = schema["components"]["schemas"]
    sent = shapes["Outcome"]["properties"]["outcome"]
    stored = shapes["Lead"]["properties"]["outcome"]

    assert (
        enum_values(schema, sent)
        == enum_values(schema, stored)
        == {
            "won",
            "lost",
            "",
        }
    )
    assert sent["description"].startswith("Blank reopens the lead.")
    assert "converted/not converted" in sent["description"]
    assert stored["description"] == "Won or lost once recorded; blank while open."


# --- the docs page ---


def test_an_operation_lists_its_path_and_query_parameters(docs_page):
    by_id = table_rows(section(docs_page, "op-lead_by_id"))
    deliveries = table_rows(section(docs_page, "op-list_deliveries"))

    assert ["Name", "In", "Required", "Type", "Description"] in by_id
    assert ["lead_id", "path", "yes", "integer", ""] in by_id
    [status] = [row for row in deliveries if row[0] == "status"]
    assert status[1:3] == ["query", "no"]
    assert all(f'"{state}"' in status[3] for state in ("failed", "sent"))
    assert status[4] == "Only deliveries in this state (any case)."


def test_the_score_operation_shows_its_request_body_and_examples(docs_page):
    score = section(docs_page, "op-score_leads")

    assert "JSON: Lead input or Lead batch" in text(score)
    assert '<a href="#shape-lead-input">Lead input</a>' in score
    assert "Example: One lead" in text(score)
    assert '"external_id": "crm-123",' in html.unescape(score)
    assert "Example: A batch" in text(score)


def test_each_response_links_to_a_shape_listed_on_the_page(docs_page):
    anchors = set(re.findall(r' id="([^"]+)"', docs_page))
    links = re.findall(r'href="#([^"]+)"', docs_page)
    score = section(docs_page, "op-score_leads")

    assert links and set(links) <= anchors
    assert '<a href="#shape-error">Error</a>' in score
    assert [
        "400",
        "The body or a parameter is wrong; code and field say which.",
        "Error",
    ] in table_rows(score)
    assert ["200", "OK", "ScoreResult"] in table_rows(score)


def test_a_shape_lists_its_fields_rather_than_json(docs_page):
    error = table_rows(section(docs_page, "shape-error"))
    lead_input = table_rows(section(docs_page, "shape-lead-input"))

    assert ["Field", "Type", "Required", "Description"] in error
    assert ["error", "string", "yes", "A sentence saying what to fix."] in error
    assert ["field", "string", "no", "The field at fault."] in error
    assert error[2][:3] == ["code", "CodeEnum", "yes"]
    [other] = [row for row in lead_input if row[0] == "any other field"]
    assert other[1:3] == ["any", "no"]
    assert other[3].startswith("A field the model uses: text, a number")
    assert "$ref" not in docs_page


def test_the_error_codes_are_listed_with_what_they_mean(docs_page):
    codes = table_rows(section(docs_page, "shape-codeenum"))

    assert ["Value", "Meaning"] in codes
    assert [
        "method_not_allowed",
        "405: the endpoint does not take this HTTP method",
    ] in codes


def test_backticks_show_as_code_on_the_page(docs_page):
    lead_input = section(docs_page, "shape-lead-input")

    assert "<code>ignored_fields</code>" in lead_input
    assert "`" not in docs_page


def test_backticks_become_code_and_everything_else_is_escaped():
    assert with_code('Send `"x"` & <b>') == (
        "Send <code>&quot;x&quot;</code> &amp; &lt;b&gt;"
    )
    assert with_code("`<script>`") == "<code>&lt;script&gt;</code>"
    assert with_code("") == ""


def test_headings_follow_in_order_and_every_table_has_headers(docs_page):
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", docs_page)]
    tables = re.findall(r"<table\b.*?</table>", docs_page, re.S)

    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert tables and all("<th" in table for table in tables)
