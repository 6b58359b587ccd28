"""Metrics turned into the words and numbers a marketer reads."""


def metric_cards(metrics: dict) -> list[dict]:
    """Return the headline figures with a one-line meaning each."""
    auc = metrics.get("roc_auc", 0.0)
    accuracy = metrics.get("accuracy", 0.0)
    baseline = metrics.get("baseline_accuracy", 0.0)
    return [
        {
            "label": "Ranking quality (ROC AUC)",
            "value": f"{auc:.2f}",
            "meaning": (
                f"Pick one lead that converted and one that did not: the model "
                f"scores the buyer higher {auc:.0%} of the time (50% is guessing)."
            ),
        },
        {
            "label": "Accuracy",
            "value": f"{accuracy:.1%}",
            "meaning": (
                f"Always guessing \"not converted\" would be right {baseline:.1%} "
                "of the time, so judge the model by how far it beats that."
            ),
        },
        {
            "label": "Conversion rate",
            "value": f"{metrics.get('conversion_rate', 0.0):.1%}",
            "meaning": "Share of the held-back leads that became customers.",
        },
    ]


def verdict(metrics: dict) -> str:
    """Return one sentence on how useful the model is."""
    auc = metrics.get("roc_auc", 0.5)
    if auc >= 0.9:
        return ("Suspiciously good: check that no column gives the answer away "
                "before trusting it.")
    if auc >= 0.75:
        return "Useful: it ranks leads much better than guessing."
    if auc >= 0.6:
        return "Somewhat useful: better than guessing, but expect many misses."
    return "Weak: barely better than guessing. More or richer columns would help."
