"""Metrics turned into the words and numbers a marketer reads."""

from modeling.models import ModelVersion

ALGORITHM_WORDS = {
    "logistic": "logistic regression",
    "forest": "random forest",
    "boosting": "gradient boosting",
}
# A time-based AUC this much below the shuffled one means the market moved.
DRIFT_GAP = 0.05


def metric_cards(metrics: dict) -> list[dict]:
    """Return the headline figures with a one-line meaning each."""
    auc = metrics.get("roc_auc", 0.0)
    low, high = metrics.get("roc_auc_ci", [auc, auc])
    accuracy = metrics.get("accuracy", 0.0)
    baseline = metrics.get("baseline_accuracy", 0.0)
    lift = metrics.get("lift", {}).get("top_10", 0.0)
    rate = metrics.get("conversion_rate", 0.0)
    return [
        {
            "label": "Ranking quality (ROC AUC)",
            "value": f"{auc:.2f}",
            "detail": f"likely between {low:.2f} and {high:.2f}",
            "meaning": (
                f"Pick one lead that converted and one that did not: the model "
                f"scores the buyer higher {auc:.0%} of the time (50% is guessing)."
            ),
        },
        {
            "label": "Top 10% of leads",
            "value": f"{lift:.1f}x",
            "detail": f"converts {lift * rate:.0%} vs {rate:.0%} on average",
            "meaning": "How many times more often the best-scored tenth converts "
            "than an average lead.",
        },
        {
            "label": "Accuracy",
            "value": f"{accuracy:.1%}",
            "detail": f'always "not converted": {baseline:.1%}',
            "meaning": (
                f'Always guessing "not converted" would be right {baseline:.1%} '
                "of the time, so judge the model by how far it beats that."
            ),
        },
        {
            "label": "Score honesty (Brier)",
            "value": f"{metrics.get('brier', 0.0):.3f}",
            "detail": "lower is better; 0 is perfect",
            "meaning": "How far the scores are from what happened, on average "
            "(squared). The reliability chart shows it per score band.",
        },
    ]


def verdict(version: ModelVersion) -> str:
    """Return one paragraph: how good, how sure, what would improve it."""
    m = version.metrics
    auc, (low, high) = m["roc_auc"], m.get("roc_auc_ci", [m["roc_auc"]] * 2)
    lift = m.get("lift", {}).get("top_10", 0.0)
    if auc >= 0.9:
        quality = (
            f"This model ranks leads very well (AUC {auc:.2f}), so well that "
            "you should check no remaining column is filled in after the sale"
        )
    elif auc >= 0.75:
        quality = f"This model ranks leads well (AUC {auc:.2f})"
    elif auc >= 0.6:
        quality = f"This model ranks leads better than guessing (AUC {auc:.2f})"
    else:
        quality = f"This model barely beats guessing (AUC {auc:.2f})"
    sure = (
        f"with {m.get('n_test', 0):,} test leads the true figure is likely "
        f"between {low:.2f} and {high:.2f}"
    )
    calls = f"calling the top tenth first reaches {lift:.1f} times the usual rate"
    improve = _improvement(version)
    cut = ""
    if m["accuracy"] <= m["baseline_accuracy"] + 0.005:
        cut = (
            " Read as yes-or-no at 50%, it is right no more often than always "
            'saying "not converted": use its scores to rank leads, not to '
            "decide alone."
        )
    return f"{quality}: {calls}; {sure}.{cut} {improve}"


def _improvement(version: ModelVersion) -> str:
    m = version.metrics
    converted = round(m.get("conversion_rate", 0) * version.n_trained)
    if converted < 200:
        return (
            f"It learned from only {converted:,} conversions; more history "
            "would make it steadier."
        )
    if time_gap(m) is not None:
        return (
            "It scores newer leads worse than older ones: retrain often and "
            "add columns that describe what changed."
        )
    return (
        "More columns about what leads did before the first contact (pages "
        "seen, forms filled, answers to qualifying questions) would sharpen it."
    )


def time_gap(metrics: dict) -> float | None:
    """Return how much worse the time-based test is than a shuffled one,
    when that gap is large enough to warn about."""
    shuffled = metrics.get("shuffled_roc_auc")
    if shuffled is None:
        return None
    gap = shuffled - metrics["roc_auc"]
    return gap if gap >= DRIFT_GAP else None


def importance_rows(importances: list[dict]) -> list[dict]:
    """Return importances as display rows with their direction in words."""
    rows = []
    for item in importances:
        raises = ", ".join(item.get("raises", []))
        lowers = ", ".join(item.get("lowers", []))
        rows.append(
            {
                "column": item["column"],
                "points": f"{max(item['importance'], 0.0) * 100:.1f}",
                "raises": raises or "—",
                "lowers": lowers or "—",
            }
        )
    return rows


def model_card(version: ModelVersion) -> list[tuple[str, str]]:
    """Return the model card: what the model is, learned from, and can't do."""
    m, v = version.metrics, version.validation
    candidates = ", ".join(
        f"{ALGORITHM_WORDS.get(a, a)} {auc:.3f}"
        for a, auc in version.candidates.items()
    )
    return [
        (
            "Model",
            f"{ALGORITHM_WORDS.get(version.algorithm, version.algorithm)}, "
            "with calibrated scores"
            + (f" (chosen among: {candidates})" if len(version.candidates) > 1 else ""),
        ),
        (
            "Data",
            f"{version.n_trained:,} leads with an outcome from "
            f"{version.dataset.original_name}; {version.n_open:,} open leads "
            "left out of training",
        ),
        (
            "Outcome",
            f"{version.target.get('column')} = "
            f"{', '.join(version.target.get('positive', []))}",
        ),
        ("Columns used", ", ".join(version.feature_columns)),
        ("Columns left out", f"{len(version.excluded)}, listed below with reasons"),
        ("Testing", v.get("description", "")),
        (
            "Results",
            f"ROC AUC {m['roc_auc']:.3f}, PR AUC {m.get('pr_auc', 0):.3f}, "
            f"Brier {m.get('brier', 0):.3f}, accuracy {m['accuracy']:.1%} "
            f'(always "no": {m["baseline_accuracy"]:.1%})',
        ),
        (
            "Traceability",
            f"training rows fingerprint {version.fingerprint[:12]}…, "
            f"file checksum {version.checksum[:12]}…, scikit-learn "
            f"{version.library_versions.get('scikit-learn')}",
        ),
        (
            "Known limits",
            "It only knows the leads in this history: new sources, "
            "products or markets are guesses until it is retrained. "
            "Scores describe chances, not certainties.",
        ),
    ]


def version_page(version: ModelVersion) -> dict:
    """Return the model page's figures, formatted for display."""
    m = version.metrics
    gain = version.curves.get("gain", {})
    return {
        "cards": metric_cards(m),
        "verdict": verdict(version),
        "card": model_card(version),
        "time_gap": time_gap(m),
        "confusion": m.get("confusion", {}),
        "importance_rows": importance_rows(version.importances),
        "segments": [_segment_row(s) for s in version.segments],
        "tiers": [_tier_row(t) for t in m.get("tiers", [])],
        "gain_top20": _share_found_at(gain, 0.2),
    }


def _segment_row(segment: dict) -> dict:
    return {
        "traits": " and ".join(segment["traits"]),
        "rate": f"{segment['test_rate']:.0%}",
        "lift": f"{segment['lift']:.1f}x",
        "leads": f"{segment['leads'] + segment['test_leads']:,}",
    }


def _tier_row(row: dict) -> dict:
    precision = row["precision"]
    return {
        "tier": row["tier"],
        "threshold": f"{row['threshold']:.0%}",
        "leads": f"{row['leads']:,}",
        "precision": "—" if precision is None else f"{precision:.0%}",
        "recall": f"{row['recall']:.0%}",
    }


def _share_found_at(gain: dict, share: float) -> str:
    contacted = gain.get("contacted", [])
    for called, found in zip(contacted, gain.get("found", []), strict=False):
        if called >= share:
            return f"{found:.0%}"
    return "—"
