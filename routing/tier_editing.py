"""The tier editor's preview: thresholds from a form, evidence from the model."""

import math

from modeling.models import ModelVersion
from routing.previews import (
    RECENT_WEEKS,
    TierPreview,
    capacity_threshold,
    preview_tiers,
    recent_probabilities,
)


def posted_bands(formset) -> list[tuple[str, float]]:
    """Return (name, threshold) of every valid, kept form of the tier formset."""
    bands = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("name") and data.get("min_probability") is not None:
            if not data.get("DELETE"):
                bands.append((data["name"], data["min_probability"]))
    return bands


def weekly_volume() -> float | None:
    """Return how many leads were scored a week over the recent weeks."""
    recent = recent_probabilities()
    return round(len(recent) / RECENT_WEEKS, 1) if len(recent) else None


def preview_for(
    bands: list[tuple[str, float]], leads_per_week: float | None
) -> list[TierPreview]:
    """Return the preview on the active model's held-out leads (or nothing)."""
    version = ModelVersion.active()
    if version is None or not version.holdout or not bands:
        return []
    return preview_tiers(bands, version.holdout, leads_per_week)


def top_threshold_for(capacity: int) -> float:
    """Return the top tier's threshold for a team calling `capacity` a week."""
    threshold = capacity_threshold(recent_probabilities(), RECENT_WEEKS, capacity)
    # Rounded up, so rounding never lets one more lead into the top tier.
    return min(1.0, math.ceil(threshold * 10_000) / 10_000)
