"""Honest measures of a model on leads it did not learn from."""

import numpy as np
from scipy.stats import rankdata
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    roc_auc_score,
    roc_curve,
)

N_BOOTSTRAP = 200
# Rounds resampled at once: bounds memory to this many copies of the leads.
BOOTSTRAP_BLOCK = 10
CI_LEVEL = 0.95


def evaluate(
    y: np.ndarray,
    proba: np.ndarray,
    *,
    thresholds: dict[str, float],
    random_state: int = 0,
) -> dict:
    """Return the metrics the model page, the shell and the API report.

    `thresholds` maps tier names to their lower bound, for precision and
    recall per tier.
    """
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    predicted = (proba >= 0.5).astype(int)
    rate = float(y.mean())
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    auc_low, auc_high, pr_low, pr_high = bootstrap_intervals(y, proba, random_state)
    return {
        "roc_auc": float(roc_auc_score(y, proba)),
        "roc_auc_ci": [auc_low, auc_high],
        "pr_auc": float(average_precision_score(y, proba)),
        "pr_auc_ci": [pr_low, pr_high],
        "accuracy": float(accuracy_score(y, predicted)),
        # What a model that always says "not converted" would score.
        "baseline_accuracy": max(rate, 1 - rate),
        "brier": float(brier_score_loss(y, proba)),
        "conversion_rate": rate,
        "n_test": int(len(y)),
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "lift": {f"top_{p}": lift_at(y, proba, p / 100) for p in (10, 20)},
        "tiers": tier_precision_recall(y, proba, thresholds),
    }


def bootstrap_intervals(
    y: np.ndarray, proba: np.ndarray, random_state: int
) -> tuple[float, float, float, float]:
    """Return 95% intervals of ROC AUC and PR AUC over resampled leads.

    A resample only needs how many converted and other leads it drew at
    each distinct score, so rounds are counted a block at a time with one
    sort of the scores for all of them.
    """
    rng = np.random.default_rng(random_state)
    steps, n_steps = score_steps(proba)
    # One key per lead: its outcome, then its step of the curve.
    keys = y * n_steps + steps
    aucs, prs = [], []
    for first in range(0, N_BOOTSTRAP, BOOTSTRAP_BLOCK):
        n_rounds = min(BOOTSTRAP_BLOCK, N_BOOTSTRAP - first)
        drawn = keys[rng.integers(0, len(y), (n_rounds, len(y)))]
        drawn += np.arange(n_rounds)[:, None] * (2 * n_steps)
        counts = np.bincount(drawn.ravel(), minlength=n_rounds * 2 * n_steps)
        counts = counts.reshape(n_rounds, 2, n_steps).astype(float)
        auc, pr = step_aucs(counts[:, 1], counts[:, 0])
        aucs.append(auc)
        prs.append(pr)
    aucs, prs = np.concatenate(aucs), np.concatenate(prs)
    kept = ~np.isnan(aucs)  # a resample holding one outcome only says nothing
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(aucs[kept], [tail, 100 - tail])
    pr_low, pr_high = np.percentile(prs[kept], [tail, 100 - tail])
    return float(low), float(high), float(pr_low), float(pr_high)


def score_steps(proba: np.ndarray) -> tuple[np.ndarray, int]:
    """Return each lead's rank among the distinct scores, highest first, and
    how many distinct scores there are."""
    distinct, inverse = np.unique(-proba, return_inverse=True)
    return inverse, len(distinct)


def step_aucs(
    positives: np.ndarray, negatives: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return ROC AUC and average precision per row.

    Each row counts the converted (`positives`) and other leads at each
    distinct score, highest score first. The figures equal scikit-learn's on
    the leads repeated as often as counted; NaN when a row lacks an outcome.
    """
    n_pos, n_neg = positives.sum(1), negatives.sum(1)
    valid = (n_pos > 0) & (n_neg > 0)
    n_pos, n_neg = np.where(valid, n_pos, 1), np.where(valid, n_neg, 1)

    # A converted lead outranks every other lead scored lower, half a tie.
    negatives_below = n_neg[:, None] - np.cumsum(negatives, axis=1)
    wins = (positives * (negatives_below + negatives / 2)).sum(1)
    auc = wins / (n_pos * n_neg)

    found = np.cumsum(positives, axis=1)
    called = found + np.cumsum(negatives, axis=1)
    precision = np.divide(found, called, out=np.zeros(found.shape), where=called > 0)
    pr = (positives * precision).sum(1) / n_pos
    return np.where(valid, auc, np.nan), np.where(valid, pr, np.nan)


def rank_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """Return ROC AUC from ranks: the same figure as roc_auc_score, without
    its input checks, which dominate when it runs a hundred times."""
    ranks = rankdata(proba)
    n_pos = y.sum()
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def lift_at(y: np.ndarray, proba: np.ndarray, share: float) -> float:
    """Return how many times the average rate the top-scored share converts."""
    n_top = max(1, int(round(len(y) * share)))
    top = np.argsort(-proba, kind="stable")[:n_top]
    return float(y[top].mean() / y.mean()) if y.mean() else 0.0


def tier_precision_recall(
    y: np.ndarray, proba: np.ndarray, thresholds: dict[str, float]
) -> list[dict]:
    """Return, per tier threshold: leads at or above it, how many of them
    converted (precision) and what share of all converters they hold."""
    rows = []
    for name, low in sorted(thresholds.items(), key=lambda item: -item[1]):
        above = proba >= low
        n_above = int(above.sum())
        rows.append(
            {
                "tier": name,
                "threshold": low,
                "leads": n_above,
                "precision": float(y[above].mean()) if n_above else None,
                "recall": float(y[above].sum() / max(y.sum(), 1)),
            }
        )
    return rows


def curves(y: np.ndarray, proba: np.ndarray) -> dict:
    """Return the points of the ROC, cumulative gain and reliability charts."""
    y = np.asarray(y, dtype=int)
    fpr, tpr, _ = roc_curve(y, proba)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    order = np.argsort(-proba, kind="stable")
    gained = np.cumsum(y[order]) / max(y.sum(), 1)
    steps = np.unique(np.linspace(0, len(y) - 1, min(len(y), 101)).astype(int))
    observed, expected = calibration_curve(y, proba, n_bins=10, strategy="quantile")
    return {
        "roc": {"fpr": fpr[keep].round(4).tolist(), "tpr": tpr[keep].round(4).tolist()},
        "gain": {
            "contacted": ((steps + 1) / len(y)).round(4).tolist(),
            "found": gained[steps].round(4).tolist(),
        },
        "calibration": {
            "expected": expected.round(4).tolist(),
            "observed": observed.round(4).tolist(),
        },
    }
