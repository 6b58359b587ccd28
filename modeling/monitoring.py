"""How the model in use is doing: conversion by tier per month, and drift."""

import logging
from datetime import timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from datasets.intake import load_table
from modeling.drift import drift_report, reference_profile
from modeling.models import DriftCheck, ModelVersion, RetrainPolicy
from modeling.scoring import like_history

logger = logging.getLogger(__name__)

DRIFT_DAYS = 30
MIN_DRIFT_LEADS = 50
MAX_DRIFT_LEADS = 20_000


def tier_performance() -> list[dict]:
    """Return, per month scored and tier, the leads whose outcome arrived, the
    share won and the share the model expected (their mean probability)."""
    from routing.models import Lead  # routing builds on modeling

    rows = (
        Lead.objects.exclude(outcome="")
        .annotate(month=TruncMonth("scored_at"))
        .values("month", "tier__name", "tier__min_probability")
        .annotate(
            n=Count("pk"),
            n_won=Count("pk", filter=Q(outcome="won")),
            expected=Avg("probability"),
        )
        .order_by("month", "-tier__min_probability")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "tier": row["tier__name"] or "(no tier)",
            "n": row["n"],
            "n_won": row["n_won"],
            "actual": row["n_won"] / row["n"],
            "expected": row["expected"],
        }
        for row in rows
    ]


def reference_of(version: ModelVersion) -> dict:
    """Return the version's training distributions, measuring them once if the
    version predates them."""
    if version.reference:
        return version.reference
    frame = load_table(version.dataset)
    version.reference = reference_profile(
        frame, version.column_kinds, version.holdout.get("proba", [])
    )
    version.save(update_fields=["reference"])
    return version.reference


def check_drift(*, now=None) -> DriftCheck | None:
    """Compare the active model's recent leads with its training data, store
    the result, and e-mail the policy's addresses when it first alerts."""
    from routing.models import Lead  # routing builds on modeling

    version = ModelVersion.active()
    if version is None:
        return None
    since = (now or timezone.now()) - timedelta(days=DRIFT_DAYS)
    recent = list(
        Lead.objects.filter(model_version=version, scored_at__gte=since)
        .order_by("-scored_at")
        .values_list("fields", "probability")[:MAX_DRIFT_LEADS]
    )
    if len(recent) < MIN_DRIFT_LEADS:
        return None
    frame = like_history(version, pd.DataFrame([fields for fields, _ in recent]))
    proba = np.array([p for _, p in recent], dtype=float)
    report = drift_report(reference_of(version), frame, proba, version.column_kinds)
    policy = RetrainPolicy.current()
    previous = version.drift_checks.first()
    check = DriftCheck.objects.create(
        version=version,
        n_leads=len(recent),
        columns=report["columns"],
        score_psi=report["score_psi"],
        worst=report["worst"],
        alert=report["worst"] >= policy.drift_threshold,
    )
    if check.alert and not (previous and previous.alert):
        check.emailed = send_drift_email(check, policy)
        check.save(update_fields=["emailed"])
    logger.info(
        "Model %s: drift checked on %s leads, worst PSI %.3f",
        version.pk,
        len(recent),
        check.worst,
    )
    return check


def send_drift_email(check: DriftCheck, policy: RetrainPolicy) -> bool:
    """E-mail the policy's addresses about a drift alert; True if sent."""
    recipients = [
        a.strip() for a in policy.drift_emails.replace(",", "\n").split() if a.strip()
    ]
    if not recipients:
        return False
    moved = sorted(check.columns.items(), key=lambda item: -item[1])[:5]
    lines = [f"  {column}: {value:.2f}" for column, value in moved]
    send_mail(
        f"Leadscore: recent leads no longer look like model v{check.version_id}'s",
        "The leads scored in the last 30 days differ from the ones the model "
        f"learned from (stability index {check.worst:.2f}, warning at "
        f"{policy.drift_threshold:.2f}). Most changed:\n"
        + "\n".join(lines)
        + "\n\nConsider retraining the model on recent outcomes.",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return True
