"""A challenger beside the champion: the same recent leads, the same measures."""

import logging

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from modeling.metrics import lift_at
from modeling.models import Comparison, ModelVersion
from modeling.scoring import predict_leads

logger = logging.getLogger(__name__)

N_CALIBRATION_BINS = 10
# Open leads compared for tier changes: enough to size the change, bounded time.
MAX_TIER_LEADS = 20_000


def measure(y: np.ndarray, proba: np.ndarray) -> dict:
    """Return ROC AUC, calibration error, Brier score and lift at 10% and 20%."""
    y = np.asarray(y, dtype=int)
    both = y.min() != y.max()
    return {
        "roc_auc": float(roc_auc_score(y, proba)) if both else None,
        "calibration_error": calibration_error(y, proba),
        "brier": float(brier_score_loss(y, proba, labels=[0, 1])),
        "lift_top_10": lift_at(y, proba, 0.1),
        "lift_top_20": lift_at(y, proba, 0.2),
        "expected_rate": float(np.mean(proba)),
        "conversion_rate": float(y.mean()),
        "n": int(len(y)),
    }


def calibration_error(y: np.ndarray, proba: np.ndarray) -> float:
    """Return the mean gap between predicted and actual rate, over score bins.

    Bins hold equal numbers of leads; each gap is weighted by its bin's size.
    """
    order = np.argsort(proba, kind="stable")
    gaps = [
        len(part) * abs(proba[part].mean() - y[part].mean())
        for part in np.array_split(order, min(N_CALIBRATION_BINS, len(y)))
        if len(part)
    ]
    return float(sum(gaps) / max(len(y), 1))


def compare_versions(
    challenger: ModelVersion,
    champion: ModelVersion | None,
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    n_seen_by_champion: int = 0,
) -> Comparison:
    """Score the held-out leads with both versions and store the comparison."""
    challenger_proba = probabilities(challenger, frame)
    champion_metrics, moves = {}, {}
    if champion is not None:
        champion_metrics = measure(y, probabilities(champion, frame))
        moves = tier_moves(challenger, champion)
    comparison = Comparison.objects.create(
        challenger=challenger,
        champion=champion,
        n_leads=len(y),
        n_seen_by_champion=n_seen_by_champion,
        challenger_metrics=measure(y, challenger_proba),
        champion_metrics=champion_metrics,
        n_changed_tier=sum(n for move, n in moves.items() if "→" in move),
        n_compared_for_tier=sum(moves.values()),
        tier_moves=moves,
    )
    logger.info(
        "Model %s: compared with %s on %s leads",
        challenger.pk,
        champion and champion.pk,
        len(y),
    )
    return comparison


def probabilities(version: ModelVersion, frame: pd.DataFrame) -> np.ndarray:
    """Return the version's conversion probabilities for the rows, no reasons."""
    scored = predict_leads(version, frame, with_reasons=False)
    return scored["probability"].to_numpy(dtype=float)


def tier_moves(challenger: ModelVersion, champion: ModelVersion) -> dict[str, int]:
    """Return how many open leads each model would put in which tier.

    Keys are "Hot" for leads that stay, "Warm → Hot" for leads that move.
    """
    from routing.models import Lead, Tier  # routing builds on modeling
    from routing.tiers import assign_tier

    leads = list(
        Lead.objects.filter(outcome="")
        .order_by("-scored_at")
        .values_list("fields", flat=True)[:MAX_TIER_LEADS]
    )
    if not leads:
        return {}
    frame = pd.DataFrame(leads)
    tiers = Tier.objects.ordered()
    moves: dict[str, int] = {}
    for old, new in zip(
        probabilities(champion, frame), probabilities(challenger, frame)
    ):
        before, after = assign_tier(old, tiers).name, assign_tier(new, tiers).name
        key = before if before == after else f"{before} → {after}"
        moves[key] = moves.get(key, 0) + 1
    return moves


def beats(comparison: Comparison, margin: float) -> bool:
    """Return whether the challenger's ROC AUC beats the champion's by `margin`."""
    new = comparison.challenger_metrics.get("roc_auc")
    old = comparison.champion_metrics.get("roc_auc")
    if new is None:
        return False
    return old is None or new >= old + margin
