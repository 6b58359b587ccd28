import hashlib
import hmac
import json
import time

import pytest
from django.core import mail

from modeling.rescoring import rescore_open_leads
from routing.actions import UnsafeUrlError, check_webhook_url
from routing.deliveries import resend
from routing.models import Delivery, Lead, RoutingRule, Score, Tier

pytestmark = pytest.mark.django_db(transaction=True)

SCORE = "/api/v1/score"
LEAD = {
    "external_id": "crm-7",
    "Source": "Referral",
    "Minutes on site": 30,
    "Country": "France",
}


def on_every_tier(kind: str, **options) -> list[RoutingRule]:
    return [
        RoutingRule.objects.create(tier=tier, kind=kind, **options)
        for tier in Tier.objects.ordered()
    ]


def webhook_rules(receiver) -> list[RoutingRule]:
    return on_every_tier("webhook", url=receiver.url, secret="s3cret")


def test_a_scored_lead_arrives_signed_at_the_webhook(api, version, receiver, run_jobs):
    webhook_rules(receiver)

    lead_id = api("post", SCORE, LEAD).json()["lead_id"]
    run_jobs("delivery")

    [request] = receiver.received
    timestamp = request["headers"]["X-Leadscore-Timestamp"]
    expected = hmac.new(
        b"s3cret", timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    assert request["headers"]["X-Leadscore-Signature"] == f"sha256={expected}"
    assert abs(int(timestamp) - time.time()) < 60
    payload = json.loads(request["body"])
    assert payload["lead_id"] == lead_id and payload["external_id"] == "crm-7"
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.n_attempts == 1
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200 and attempt.response_ms > 0


def test_a_receiver_error_is_retried_and_logged(api, version, receiver, run_jobs):
    webhook_rules(receiver)
    receiver.statuses = [500]

    api("post", SCORE, LEAD)
    run_jobs("delivery")

    delivery = Delivery.objects.get()
    assert len(receiver.received) == 2
    assert delivery.status == "sent" and delivery.n_attempts == 2
    assert [a.status_code for a in delivery.attempts.all()] == [500, 200]
    assert delivery.attempts.first().error == "HTTP 500"


def test_failed_after_the_last_retry_then_resent(api, version, receiver, run_jobs):
    webhook_rules(receiver)
    receiver.statuses = [503, 503, 503]

    api("post", SCORE, LEAD)
    run_jobs("delivery")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.n_attempts == 3

    resend(delivery)
    run_jobs("delivery")

    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.n_resends == 1
    assert delivery.n_attempts == 4 and len(receiver.received) == 4


def test_one_scoring_is_delivered_once_even_if_routed_twice(
    api, version, receiver, run_jobs
):
    from routing.deliveries import dispatch_scores_job

    webhook_rules(receiver)
    api("post", SCORE, LEAD)
    run_jobs("delivery")

    assert (
        dispatch_scores_job(
            list(Lead.objects.get().scores.values_list("pk", flat=True))
        )
        == 0
    )
    run_jobs("delivery")
    assert len(receiver.received) == 1


def test_a_rule_filters_on_a_field(api, version, receiver, run_jobs):
    on_every_tier(
        "webhook",
        url=receiver.url,
        secret="x",
        filter_field="Country",
        filter_value="france",
    )

    api("post", SCORE, LEAD)
    api("post", SCORE, LEAD | {"external_id": "crm-8", "Country": "Spain"})
    run_jobs("delivery")

    assert [json.loads(r["body"])["external_id"] for r in receiver.received] == [
        "crm-7"
    ]


def test_email_goes_to_the_list_and_the_owner(
    api, version, run_jobs, django_user_model, settings
):
    settings.SITE_URL = "https://leads.example.com"
    django_user_model.objects.create_user("rep", email="rep@example.com")
    on_every_tier("email", recipients="sales@example.com", to_owner=True)

    api("post", SCORE, LEAD | {"owner": "rep"})
    run_jobs("delivery")

    [message] = mail.outbox
    assert set(message.to) == {"sales@example.com", "rep@example.com"}
    assert "crm-7" in message.subject
    lead = Lead.objects.get(external_id="crm-7")
    assert f"https://leads.example.com/leads/{lead.pk}/" in message.body


def test_the_call_queue_ranks_queued_leads(api, version, run_jobs):
    on_every_tier("call_queue")
    minutes = [5, 60, 20]

    for i, m in enumerate(minutes):
        api("post", SCORE, {"external_id": f"c{i}", "Minutes on site": m})
    run_jobs("delivery")

    from routing.queue import call_queue

    assert [lead.external_id for lead in call_queue()] == ["c1", "c2", "c0"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "http://127.0.0.1/x",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://localhost/",
        "http://192.168.0.1/",
        "file:///etc/passwd",
    ],
)
def test_internal_and_odd_webhook_urls_are_refused(url, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(UnsafeUrlError):
        check_webhook_url(url)


def test_an_unsafe_url_is_refused_again_at_send_time(api, version, run_jobs, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    settings.DELIVERY_RETRY_INTERVALS = []
    on_every_tier("webhook", url="http://127.0.0.1:9/hook", secret="x")

    api("post", SCORE, LEAD)
    run_jobs("delivery")

    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "internal address" in delivery.attempts.get().error


def test_an_uploaded_file_of_new_leads_runs_each_tiers_webhook(
    marketer_client, version, receiver, run_jobs, tmp_path
):
    from django.urls import reverse

    webhook_rules(receiver)
    client = marketer_client
    path = tmp_path / "new.csv"
    path.write_text(
        "Source,Minutes on site,Country\nReferral,30,France\nNewsletter,2,Spain\n"
    )

    with path.open("rb") as handle:
        client.post(reverse("routing:upload"), {"file": handle})
    run_jobs("scoring", "delivery")

    assert len(receiver.received) == 2
    assert Delivery.objects.filter(status="sent").count() == 2


def test_a_rescore_sends_only_the_leads_that_changed_tier(api, version, run_jobs):
    on_every_tier("call_queue")
    api("post", SCORE, LEAD)
    api("post", SCORE, LEAD | {"external_id": "crm-8"})
    run_jobs("delivery")
    # As if an older model had put crm-8 in another tier than today's model.
    moved = Lead.objects.get(external_id="crm-8")
    elsewhere = Tier.objects.exclude(pk=moved.tier_id).first()
    Lead.objects.filter(pk=moved.pk).update(tier=elsewhere)
    Score.objects.filter(lead=moved).update(tier=elsewhere)

    rescore_open_leads(version)
    run_jobs("delivery")

    sent = Delivery.objects.values_list("lead__external_id", flat=True)
    assert sorted(sent) == ["crm-7", "crm-8", "crm-8"]


def sent_tiers(receiver) -> list[str]:
    return [json.loads(r["body"])["tier"] for r in receiver.received]


def test_a_rule_runs_once_per_stay_of_a_lead_in_its_tier(
    api, version, receiver, run_jobs
):
    webhook_rules(receiver)
    lead = "/api/v1/leads/crm-7"

    first = api("post", SCORE, LEAD).json()["tier"]["name"]
    api("patch", lead, {"favourite colour": "blue"})  # scored again, same tier
    api("post", SCORE, LEAD)  # the CRM sends the lead again
    run_jobs("delivery")
    assert sent_tiers(receiver) == [first]

    cold = api("patch", lead, {"Source": "Google", "Minutes on site": 0}).json()
    back = api("patch", lead, {"Source": "Referral", "Minutes on site": 30}).json()
    run_jobs("delivery")
    assert cold["tier"]["name"] != first and back["tier"]["name"] == first
    assert sent_tiers(receiver) == [first, cold["tier"]["name"], first]


def test_a_rule_that_matches_only_after_an_answer_runs_then(
    api, version, receiver, run_jobs
):
    on_every_tier(
        "webhook",
        url=receiver.url,
        secret="x",
        filter_field="Country",
        filter_value="France",
    )
    lead = "/api/v1/leads/crm-9"
    api("post", SCORE, LEAD | {"external_id": "crm-9", "Country": None})
    run_jobs("delivery")
    assert receiver.received == []

    api("patch", lead, {"Country": "France"})
    api("patch", lead, {"favourite colour": "blue"})
    run_jobs("delivery")

    assert len(receiver.received) == 1
