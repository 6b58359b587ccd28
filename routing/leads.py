"""Store scored leads with their tier, and read them back ranked."""

import logging
import math

import pandas as pd
from django.db import transaction

from datasets.models import Dataset
from modeling.models import ModelVersion
from modeling.scoring import predict_leads
from routing.models import Lead, Tier
from routing.tiers import assign_tier

logger = logging.getLogger(__name__)

BATCH = 2000


def score_and_store(
    frame: pd.DataFrame,
    version: ModelVersion,
    *,
    dataset: Dataset | None = None,
    id_column: str | None = None,
) -> int:
    """Score every row of `frame`, store each as a Lead, return the count.

    A dataset's earlier scores are replaced, so scoring the same upload
    twice never lists a lead twice.
    """
    tiers = Tier.objects.ordered()
    scored = predict_leads(version, frame)
    leads = [
        Lead(
            dataset=dataset,
            row_number=int(position) + 1,
            external_id=_external_id(row, id_column),
            fields=_plain_fields(row),
            probability=float(proba),
            tier=assign_tier(proba, tiers),
            model_version=version,
            reasons=reasons,
        )
        for position, (row, proba, reasons) in enumerate(
            zip(
                frame.to_dict("records"),
                scored["probability"],
                scored["reasons"],
            )
        )
    ]
    with transaction.atomic():
        if dataset is not None:
            Lead.objects.filter(dataset=dataset).delete()
        Lead.objects.bulk_create(leads, batch_size=BATCH)
    logger.info("Model %s: stored %s scored leads", version.pk, len(leads))
    return len(leads)


def _external_id(row: dict, id_column: str | None) -> str:
    value = row.get(id_column) if id_column else None
    return "" if _is_blank(value) else str(value)


def _plain_fields(row: dict) -> dict:
    """Return the row as JSON-safe values, blanks as None."""
    return {
        str(key): None if _is_blank(value) else _json_value(value)
        for key, value in row.items()
    }


def _is_blank(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and math.isnan(value)
    )


def _json_value(value: object) -> object:
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
