"""One lead per external ID, even when two requests send the same new lead
at once (a CRM retrying, or sending in parallel)."""

import pytest
from django.db import IntegrityError, transaction

import routing.leads
from routing.models import Lead

SCORE = "/api/v1/score"


@pytest.fixture
def stale_first_lookup(monkeypatch):
    """Make the first lookup of known leads miss, as it does when another
    request stores the same new lead between our lookup and our insert."""
    real, calls = routing.leads._known_leads, []

    def lookup(external_ids):
        calls.append(external_ids)
        return {} if len(calls) == 1 else real(external_ids)

    monkeypatch.setattr(routing.leads, "_known_leads", lookup)
    return calls


def test_a_lead_stored_meanwhile_is_updated_not_stored_twice(
    api, version, stale_first_lookup
):
    first = api("post", SCORE, {"external_id": "crm-9", "Source": "Referral"})
    stale_first_lookup.clear()

    again = api("post", SCORE, {"external_id": "crm-9", "Minutes on site": 55})

    assert again.status_code == 200, again.json()
    assert again.json()["lead_id"] == first.json()["lead_id"]
    lead = Lead.objects.get(external_id="crm-9")
    assert lead.fields == {"Source": "Referral", "Minutes on site": 55}
    assert lead.scores.count() == 2
    assert len(stale_first_lookup) == 2  # looked up again after the refusal


def test_a_batch_meeting_a_lead_stored_meanwhile_stores_the_rest_once(
    api, version, stale_first_lookup
):
    api("post", SCORE, {"external_id": "crm-9", "Source": "Referral"})
    stale_first_lookup.clear()
    leads = [{"external_id": f"crm-{i}", "Minutes on site": i} for i in (8, 9, 10)]

    body = api("post", SCORE, {"leads": leads}).json()

    assert body["count"] == 3
    for external_id in ("crm-8", "crm-9", "crm-10"):
        assert Lead.objects.filter(external_id=external_id).count() == 1


def test_the_database_refuses_a_second_lead_with_the_same_external_id(db):
    Lead.objects.create(external_id="crm-1", probability=0.5)
    Lead.objects.create(external_id="", probability=0.5)
    Lead.objects.create(external_id="", probability=0.5)  # unnamed leads: any number

    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(external_id="crm-1", probability=0.7)
