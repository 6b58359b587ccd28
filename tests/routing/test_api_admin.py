"""The admin API, called as an operations script would, with an admin token."""

import pytest

from modeling.models import AuditEntry, ModelVersion, TrainingRun
from routing.models import Delivery, RoutingRule, Tier
from routing.tokens import create_token

pytestmark = pytest.mark.django_db(transaction=True)

LEAD = {"external_id": "crm-9", "Source": "Referral", "Minutes on site": 30}


@pytest.fixture
def admin_key(db) -> str:
    return create_token("Ops script", scope="admin")[1]


def test_an_ops_script_finds_a_failed_webhook_and_resends_it(
    api, admin_key, version, receiver, run_jobs
):
    for tier in Tier.objects.ordered():
        RoutingRule.objects.create(
            tier=tier, kind="webhook", url=receiver.url, secret="s"
        )
    receiver.statuses = [503, 503, 503]
    api("post", "/api/v1/score", LEAD)
    run_jobs("delivery")

    failed = api("get", "/api/v1/deliveries?status=failed", key=admin_key).json()
    [entry] = failed
    resent = api("post", f"/api/v1/deliveries/{entry['id']}/resend", key=admin_key)
    run_jobs("delivery")

    assert entry["external_id"] == "crm-9" and entry["action"] == "webhook"
    assert entry["attempts"] == 3 and entry["last_status_code"] == 503
    assert resent.status_code == 200
    assert Delivery.objects.get().status == "sent"
    sent = api("get", "/api/v1/deliveries?status=Sent", key=admin_key).json()
    assert [d["id"] for d in sent] == [entry["id"]]  # any case, as the schema says


def test_a_delivery_still_retrying_is_not_sent_twice(
    api, admin_key, version, receiver, run_jobs, settings
):
    settings.DELIVERY_RETRY_INTERVALS = [3600]
    for tier in Tier.objects.ordered():
        RoutingRule.objects.create(
            tier=tier, kind="webhook", url=receiver.url, secret="s"
        )
    receiver.statuses = [503]
    api("post", "/api/v1/score", LEAD)
    run_jobs("delivery")
    delivery = Delivery.objects.get()

    early = api("post", f"/api/v1/deliveries/{delivery.pk}/resend", key=admin_key)

    assert delivery.status == "retrying"
    assert early.status_code == 409 and early.json()["code"] == "not_finished"
    assert len(receiver.received) == 1


def test_a_wrong_status_or_id_gets_a_plain_error(api, admin_key, version):
    wrong = api("get", "/api/v1/deliveries?status=lost", key=admin_key)
    missing = api("post", "/api/v1/deliveries/999/resend", key=admin_key)
    malformed = api("post", "/api/v1/models/latest/activate", key=admin_key)

    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_status"
    assert wrong.json()["field"] == "status"
    assert missing.status_code == 404 and "999" in missing.json()["error"]
    assert malformed.status_code == 404 and malformed.json()["code"] == "not_found"


def test_an_ops_script_rolls_back_to_an_earlier_model(api, admin_key, version):
    newer = ModelVersion.objects.get(pk=version.pk)
    newer.pk, newer.is_active = None, False
    newer.run = TrainingRun.objects.create(dataset=version.dataset, algorithm="forest")
    newer.save()
    newer.activate()

    listed = api("get", "/api/v1/models", key=admin_key).json()
    no_reason = api("post", f"/api/v1/models/{version.pk}/activate", {}, key=admin_key)
    back = api(
        "post",
        f"/api/v1/models/{version.pk}/activate",
        {"reason": "new one scores every lead Cold"},
        key=admin_key,
    )

    assert [(m["id"], m["active"]) for m in listed] == [
        (newer.pk, True),
        (version.pk, False),
    ]
    assert no_reason.status_code == 400
    assert back.json()["active"] is True and ModelVersion.active() == version
    entry = AuditEntry.objects.get(action="rolled_back")
    assert entry.reason == "new one scores every lead Cold"
    assert "Ops script" in entry.who
