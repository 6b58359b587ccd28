"""The tier editor's preview: thresholds from a form, evidence from the model."""

import logging
import math
from dataclasses import dataclass

from django.db import transaction

from modeling.models import ModelVersion
from routing.models import Tier
from routing.previews import (
    RECENT_WEEKS,
    TierPreview,
    capacity_threshold,
    preview_tiers,
    recent_probabilities,
)

logger = logging.getLogger(__name__)

SAVED = "Tiers saved; new scores use them from now on."


@dataclass
class TopTierFit:
    """The bands with the top tier's threshold set for a team's capacity."""

    bands: list[tuple[str, float]]
    capacity: int
    # The tier the top one had to stay above, when the capacity reached past it.
    held_above: str = ""

    @property
    def top(self) -> str:
        return self.bands[0][0]

    @property
    def threshold(self) -> float:
        return self.bands[0][1]


def kept_forms(formset) -> list:
    """Return the valid forms of the tier formset that are not being removed."""
    kept = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("name") and data.get("min_probability") is not None:
            if not data.get("DELETE"):
                kept.append(form)
    return kept


def posted_bands(formset) -> list[tuple[str, float]]:
    """Return (name, threshold) of every valid, kept form of the tier formset."""
    return [
        (form.cleaned_data["name"], form.cleaned_data["min_probability"])
        for form in kept_forms(formset)
    ]


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


def fit_top_tier(bands: list[tuple[str, float]], capacity: int) -> TopTierFit:
    """Return the bands, highest first, with the top one fitted to `capacity`.

    Raises ValueError, with a sentence for the admin, when no leads were
    scored recently.
    """
    threshold = top_threshold_for(capacity)
    bands = sorted(bands, key=lambda band: band[1], reverse=True)
    held_above = ""
    if len(bands) > 1 and threshold <= bands[1][1]:
        # The top tier must stay above the next, or the two swap places.
        threshold = round(bands[1][1] + 0.01, 4)
        held_above = bands[1][0]
        if threshold > 1:
            raise ValueError(
                f"{held_above}'s threshold is too close to 1 to leave room for "
                f"{bands[0][0]} above it. Lower {held_above}'s threshold first."
            )
    bands[0] = (bands[0][0], threshold)
    return TopTierFit(bands, capacity, held_above)


def preview_note(fit: TopTierFit) -> str:
    """Return what the preview says about the threshold it used."""
    if fit.held_above:
        return (
            f"Your team can call more leads than score above {fit.held_above}'s "
            f"threshold. {fit.top} is set just above it, to {fit.threshold}; "
            f"lower {fit.held_above}'s threshold to send the team more."
        )
    return (
        f"For {_calls(fit.capacity)} a week, set {fit.top}'s threshold "
        f"to {fit.threshold}; the preview below uses it."
    )


def capacity_preview(
    bands: list[tuple[str, float]], capacity: int | None
) -> tuple[list[tuple[str, float]], str]:
    """Return the bands to preview and a note on the capacity, if one is set.

    A capacity that cannot be met leaves the bands as typed; the note says why.
    """
    if capacity is None or not bands:
        return bands, ""
    try:
        fit = fit_top_tier(bands, capacity)
    except ValueError as error:
        return bands, str(error)
    return fit.bands, preview_note(fit)


def save_tiers(formset, capacity: int | None) -> str:
    """Save a valid tier formset and return the message saying what was saved.

    With a capacity, the top tier gets the threshold the preview showed for
    it, whatever was typed. Raises ValueError (and saves nothing) when that
    threshold cannot be set.
    """
    if capacity is None:
        formset.save()
        return SAVED

    fit = fit_top_tier(posted_bands(formset), capacity)
    top_form = max(kept_forms(formset), key=lambda f: f.cleaned_data["min_probability"])
    top: Tier = top_form.instance
    top.min_probability = fit.threshold

    with transaction.atomic():
        saved = formset.save()
        if top not in saved:  # the formset skips a form whose fields are unchanged
            top.save()
    logger.info(
        "Tier %s: threshold %s set for %s calls a week", top.pk, fit.threshold, capacity
    )
    return saved_message(fit)


def saved_message(fit: TopTierFit) -> str:
    """Return the message confirming a save that fitted the top tier."""
    if fit.held_above:
        return (
            f"Tiers saved. {fit.top}'s threshold is {fit.threshold}, just above "
            f"{fit.held_above}'s: your team can call more leads than score above "
            f"it. New scores use the tiers from now on."
        )
    return (
        f"Tiers saved. {fit.top}'s threshold is {fit.threshold}, to fit "
        f"{_calls(fit.capacity)} a week; new scores use the tiers from now on."
    )


def _calls(n: int) -> str:
    return f"{n} call" if n == 1 else f"{n} calls"
