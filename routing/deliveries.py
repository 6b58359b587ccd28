"""Run each tier's actions after scoring, on the RQ queue `delivery`.

Scoring only enqueues one job per request; that job creates one Delivery per
matching rule and queues each send with RQ retries, so a slow receiver never
slows scoring.
"""

import logging
from functools import lru_cache

import django_rq
import django_rq.queues
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from rq import Retry, get_current_job

from routing import actions
from routing.models import Delivery, DeliveryAttempt, Lead, RoutingRule, Score

logger = logging.getLogger(__name__)

QUEUE = "delivery"


def route_scores(scores: list[Score]) -> None:
    """Queue the routing of new scores if any active rule could apply."""
    tier_ids = {score.tier_id for score in scores}
    if not RoutingRule.objects.filter(is_active=True, tier_id__in=tier_ids).exists():
        return
    ids = [score.pk for score in scores]
    transaction.on_commit(lambda: delivery_queue().enqueue(dispatch_scores_job, ids))


@lru_cache(maxsize=1)
def delivery_queue() -> django_rq.queues.DjangoRQ:
    """Return the delivery queue, its Redis connection pool kept per process.

    A fresh pool per request costs a new connection (about 4 ms) on every
    scoring; the cache holds no state beyond the pool and rebuilds on demand.
    """
    return django_rq.get_queue(QUEUE)


def dispatch_scores_job(score_ids: list[int]) -> int:
    """Create and start the deliveries the scores' tiers call for.

    A rule runs once per stay of a lead in its tier: a lead scored again
    (answers added, the file uploaded again) that stays in the tier is not
    sent again by a rule that already ran for it there; a rule it matches
    only now (a field it filters on was filled in) does run.
    """
    scores = list(_with_tier_entry(Score.objects.filter(pk__in=score_ids)))
    rules = list(RoutingRule.objects.filter(is_active=True))
    ran = _rules_run_in_tier(scores)
    started = 0
    for score in scores:
        for rule in rules:
            if (
                rule.tier_id == score.tier_id
                and (rule.pk, score.lead_id) not in ran.get(score.pk, ())
                and actions.rule_matches(
                    rule.filter_field, rule.filter_value, score.lead.fields
                )
            ):
                started += _start(rule, score)
    logger.info("Scores %s..: %s deliveries started", score_ids[:1], started)
    return started


def _with_tier_entry(scores):
    """Annotate each score with `entered`, the id of the lead's last earlier
    score in another tier (0 if none), and `previous_tier`, the tier of its
    score just before."""
    earlier = Score.objects.filter(lead=OuterRef("lead"), pk__lt=OuterRef("pk"))
    elsewhere = earlier.exclude(tier=OuterRef("tier")).order_by("-pk").values("pk")
    previous = earlier.order_by("-pk").values("tier")
    return scores.select_related("lead").annotate(
        entered=Coalesce(Subquery(elsewhere[:1]), 0),
        previous_tier=Subquery(previous[:1]),
    )


def _rules_run_in_tier(scores: list[Score]) -> dict[int, set[tuple[int, int]]]:
    """Return, per score of a lead that stayed in its tier, the (rule, lead)
    pairs already delivered since the lead entered that tier."""
    stayed = [s for s in scores if s.previous_tier == s.tier_id]
    if not stayed:
        return {}
    past = Delivery.objects.filter(lead_id__in={s.lead_id for s in stayed})
    by_lead: dict[int, list[tuple[int, int]]] = {}
    for rule_id, lead_id, score_id in past.values_list("rule", "lead", "score"):
        by_lead.setdefault(lead_id, []).append((rule_id, score_id))
    return {
        s.pk: {
            (rule_id, s.lead_id)
            for rule_id, score_id in by_lead.get(s.lead_id, [])
            if s.entered < score_id < s.pk
        }
        for s in stayed
    }


def _start(rule: RoutingRule, score: Score) -> int:
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(rule=rule, score=score, lead=score.lead)
    except IntegrityError:  # this job ran before for this scoring
        return 0
    if rule.kind == RoutingRule.Kind.CALL_QUEUE:
        deliver_job(delivery.pk)  # a row update: no need for a job of its own
    else:
        enqueue_delivery(delivery)
    return 1


def enqueue_delivery(delivery: Delivery) -> None:
    """Queue one delivery's send, retried with the configured back-off."""
    intervals = list(settings.DELIVERY_RETRY_INTERVALS)
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    delivery_queue().enqueue(deliver_job, delivery.pk, retry=retry)


def deliver_job(delivery_id: int) -> str:
    """Make one attempt; raise to let RQ retry, or keep it failed at the end."""
    delivery = Delivery.objects.select_related("rule", "lead__owner", "score").get(
        pk=delivery_id
    )
    result = _send(delivery)
    number = delivery.n_attempts + 1
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        ok=result.ok,
        status_code=result.status_code,
        response_ms=result.response_ms,
        error=result.error[:500],
    )
    if result.ok:
        return _finish(delivery, number, Delivery.Status.SENT)
    job = get_current_job()
    if job is not None and (job.retries_left or 0) > 0:
        _finish(delivery, number, Delivery.Status.RETRYING, final=False)
        logger.warning(
            "Delivery %s: attempt %s failed: %s", delivery.pk, number, result.error
        )
        raise DeliveryFailed(result.error)
    logger.warning("Delivery %s: failed after %s attempts", delivery.pk, number)
    return _finish(delivery, number, Delivery.Status.FAILED)


class DeliveryFailed(RuntimeError):
    """Raised so RQ schedules the next retry."""


def _finish(delivery: Delivery, number: int, status: str, *, final: bool = True) -> str:
    Delivery.objects.filter(pk=delivery.pk).update(
        n_attempts=number,
        status=status,
        finished_at=timezone.now() if final else None,
    )
    return status


def _send(delivery: Delivery) -> actions.SendResult:
    rule, lead = delivery.rule, delivery.lead
    if rule.kind == RoutingRule.Kind.WEBHOOK:
        return actions.post_webhook(rule.url, rule.secret, webhook_payload(delivery))
    if rule.kind == RoutingRule.Kind.EMAIL:
        recipients = actions.split_addresses(rule.recipients)
        if rule.to_owner and lead.owner and lead.owner.email:
            recipients.append(lead.owner.email)
        return actions.send_email(recipients, *_email_text(delivery))
    Lead.objects.filter(pk=lead.pk).update(queued_at=timezone.now())
    return actions.SendResult(True, None, 0.0)


def webhook_payload(delivery: Delivery) -> dict:
    """Return the JSON a webhook receives for one scoring of a lead."""
    score, lead = delivery.score, delivery.lead
    return {
        "event": "lead.scored",
        "delivery_id": delivery.pk,
        "lead_id": lead.pk,
        "external_id": lead.external_id,
        "probability": round(score.probability, 4),
        "tier": score.tier_name,
        "reasons": [reason["text"] for reason in score.reasons],
        "model_version": score.model_version_id,
        "scored_at": score.scored_at.isoformat(),
        "fields": lead.fields,
    }


def _email_text(delivery: Delivery) -> tuple[str, str]:
    score, lead = delivery.score, delivery.lead
    subject = f"{score.tier_name} lead: {lead} ({score.probability:.0%} to convert)"
    reasons = "\n".join(f"- {reason['text']}" for reason in score.reasons)
    link = settings.SITE_URL + reverse("routing:lead", args=[lead.pk])
    why = reasons or "- no single value moves the chance by a point on its own"
    return subject, f"{subject}\n\nWhy:\n{why}\n\nLead page: {link}\n"


def resend(delivery: Delivery) -> None:
    """Send a delivery again, on an admin's request, with fresh retries."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        n_resends=delivery.n_resends + 1,
        finished_at=None,
    )
    logger.info("Delivery %s: re-sent by an admin", delivery.pk)
    enqueue_delivery(delivery)
