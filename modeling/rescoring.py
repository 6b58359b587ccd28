"""Rescore every open lead with one model version, e.g. after a promotion."""

import logging

import pandas as pd
from django.db import transaction
from django.utils import timezone

from modeling.models import ModelVersion
from modeling.scoring import predict_leads

logger = logging.getLogger(__name__)

CHUNK = 2000


def rescore_open_leads(version: ModelVersion) -> int:
    """Give every lead without an outcome a new score by `version`; return how
    many. Each lead gets a new Score row; older scores keep their version.
    """
    from routing.models import Lead  # routing builds on modeling

    ids = list(Lead.objects.filter(outcome="").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        rescore_chunk(Lead.objects.filter(pk__in=ids[start : start + CHUNK]), version)
    logger.info("Model %s: rescored %s open leads", version.pk, len(ids))
    return len(ids)


def rescore_chunk(leads, version: ModelVersion) -> None:
    """Score the leads' fields, update them and add a Score to each.

    A lead the new model puts in another tier gets that tier's follow-up
    (call queue, webhook, e-mail); a lead whose tier stays is not sent again.
    """
    from routing.bulk import insert_new
    from routing.deliveries import route_scores
    from routing.models import Lead, Score, Tier
    from routing.tiers import assign_tier

    leads, tiers = list(leads), Tier.objects.ordered()
    frame = pd.DataFrame([lead.fields for lead in leads], index=range(len(leads)))
    scored = predict_leads(version, frame)
    now, scores, moved = timezone.now(), [], []
    for lead, proba, reasons in zip(leads, scored["probability"], scored["reasons"]):
        tier = assign_tier(proba, tiers)
        if tier.pk != lead.tier_id:
            moved.append(len(scores))
        lead.probability, lead.reasons, lead.tier = float(proba), reasons, tier
        lead.model_version, lead.scored_at = version, now
        scores.append(
            Score(
                lead=lead,
                probability=float(proba),
                tier=tier,
                tier_name=tier.name,
                reasons=reasons,
                model_version=version,
            )
        )
    with transaction.atomic():
        Lead.objects.bulk_update(
            leads, ["probability", "reasons", "tier", "model_version", "scored_at"]
        )
        insert_new(scores)
        route_scores([scores[i] for i in moved])
