"""One lead per external ID, even when two requests send the same new lead
at once (a CRM retrying, or sending in parallel)."""

import pytest
from django.db import IntegrityError, transaction

import routing.leads
from routing.models import Lead

SCORE = "/api/v1/score"


class Lookups(list):
    """The lookups made, and how many of the first ones miss."""

    misses = 1


@pytest.fixture
def stale_lookups(monkeypatch):
    """Make the first `misses` lookups of known leads miss, as they do when
    another request stores the same new lead between our lookups and our
    insert; return the lookups made."""
    real, calls = routing.leads._known_leads, Lookups()

    def lookup(external_ids, **options):
        calls.append(external_ids)
        return {} if len(calls) <= calls.misses else real(external_ids, **options)

    monkeypatch.setattr(routing.leads, "_known_leads", lookup)
    return calls


def test_a_lead_stored_while_scoring_is_updated_not_stored_twice(
    api, version, stale_lookups
):
    """The lead appears between the first look (before scoring) and the
    locked look before saving: it is scored again with its stored fields."""
    first = api("post", SCORE, {"external_id": "crm-9", "Source": "Referral"})
    stale_lookups.clear()

    again = api("post", SCORE, {"external_id": "crm-9", "Minutes on site": 55})

    assert again.status_code == 200, again.json()
    assert again.json()["lead_id"] == first.json()["lead_id"]
    lead = Lead.objects.get(external_id="crm-9")
    assert lead.fields == {"Source": "Referral", "Minutes on site": 55}
    assert lead.scores.count() == 2
    assert len(stale_lookups) == 2


def test_a_batch_meeting_a_lead_stored_meanwhile_stores_the_rest_once(
    api, version, stale_lookups
):
    """Both looks miss the lead (its request had not committed yet): the
    database refuses the second lead with its ID, and it is all done again."""
    api("post", SCORE, {"external_id": "crm-9", "Source": "Referral"})
    stale_lookups.clear()
    stale_lookups.misses = 2
    leads = [{"external_id": f"crm-{i}", "Minutes on site": i} for i in (8, 9, 10)]

    body = api("post", SCORE, {"leads": leads}).json()

    assert body["count"] == 3
    for external_id in ("crm-8", "crm-9", "crm-10"):
        assert Lead.objects.filter(external_id=external_id).count() == 1
    assert len(stale_lookups) == 3  # looked up again after the refusal
    assert Lead.objects.get(external_id="crm-9").fields["Source"] == "Referral"


def test_the_database_refuses_a_second_lead_with_the_same_external_id(db):
    Lead.objects.create(external_id="crm-1", probability=0.5)
    Lead.objects.create(external_id="", probability=0.5)
    Lead.objects.create(external_id="", probability=0.5)  # unnamed leads: any number

    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(external_id="crm-1", probability=0.7)


def test_updates_sent_at_once_each_keep_their_fields(transactional_db, version):
    """Eight answers PATCHed to one lead at the same moment, each its own
    request (as a chatbot's webhooks arrive): every answer is kept."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    from routing.tokens import create_token

    key = create_token("Chatbot")[1]
    lead_id = _post(Client(), key, SCORE, {"external_id": "q-1"}).json()["lead_id"]

    def answer(i: int) -> int:
        try:
            path = f"/api/v1/lead-ids/{lead_id}" if i % 2 else "/api/v1/leads/q-1"
            return _send(Client(), key, path, {f"answer {i}": f"yes {i}"}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(answer, range(8)))

    assert statuses == [200] * 8
    fields = Lead.objects.get(pk=lead_id).fields
    assert {k: v for k, v in fields.items() if k.startswith("answer")} == {
        f"answer {i}": f"yes {i}" for i in range(8)
    }


def _post(client, key: str, path: str, body: dict):
    return client.post(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def _send(client, key: str, path: str, body: dict):
    return client.patch(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def test_a_blank_external_id_in_a_path_names_no_lead(api, version):
    api("post", SCORE, {"Source": "Referral"})  # a lead without an external ID

    for method, path, body in [
        ("get", "/api/v1/leads/%20", None),
        ("patch", "/api/v1/leads/%20", {"Source": "Web"}),
        ("post", "/api/v1/leads/%20/outcome", {"outcome": "won"}),
    ]:
        response = api(method, path, body)
        assert response.status_code == 404, (method, response.json())
        assert response.json()["code"] == "not_found"
    assert Lead.objects.count() == 1 and Lead.objects.get().outcome == ""
