"""The tier editor's preview: thresholds from a form, evidence from the model."""

import logging
import math
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from modeling.models import ModelVersion
from routing.models import Tier
from routing.previews import (
    RECENT_WEEKS,
    TierPreview,
    capacity_threshold,
    count_new_leads,
    preview_tiers,
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


def current_bands(formset) -> list[tuple[str, float]]:
    """Return the bands as posted, or as stored before anything is posted."""
    if formset.is_bound:
        formset.is_valid()  # fills cleaned_data for the forms that are valid
        return posted_bands(formset)
    return [(tier.name, tier.min_probability) for tier in Tier.objects.ordered()]


def top_form(formset):
    """Return the kept form with the highest threshold: the top tier's."""
    return max(kept_forms(formset), key=lambda f: f.cleaned_data["min_probability"])


def weekly_volume() -> float | None:
    """Return how many new leads arrived a week over the recent weeks."""
    n_new = count_new_leads()
    return round(n_new / RECENT_WEEKS, 1) if n_new else None


def leads_per_week(options) -> float | None:
    """Return the weekly volume the preview scales to: as typed, else recent."""
    typed = options.cleaned_data.get("leads_per_week") if options.is_valid() else None
    return weekly_volume() if typed is None else typed


def holdout_proba() -> np.ndarray:
    """Return the active model's held-out scores, which the preview counts.

    Raises ValueError, with a sentence for the admin, when there are none.
    """
    version = ModelVersion.active()
    proba = version.holdout.get("proba", []) if version else []
    if not len(proba):
        raise ValueError(
            "There is no trained model to fit the threshold on yet. Train one first."
        )
    return np.asarray(proba, dtype=float)


def preview_for(
    bands: list[tuple[str, float]], leads_per_week: float | None
) -> list[TierPreview]:
    """Return the preview on the active model's held-out leads (or nothing)."""
    version = ModelVersion.active()
    if version is None or not version.holdout or not bands:
        return []
    return preview_tiers(bands, version.holdout, leads_per_week)


def top_threshold_for(
    capacity: int, proba: np.ndarray, leads_per_week: float | None
) -> float:
    """Return the top tier's threshold for a team calling `capacity` a week.

    The threshold is fitted on what the preview table counts: the held-out
    scores `proba`, scaled to `leads_per_week`, so that they stand for
    len(proba) / leads_per_week weeks of new leads. The table's top tier then
    holds at most `capacity` leads a week. Fitting on recent scores instead
    made the note and the table disagree: they score unlike the held-out
    leads, and a rescored lead counted twice.
    """
    if leads_per_week is None:
        raise ValueError(
            "No leads were scored recently, so there is no weekly volume to fit "
            "the threshold to. Fill in New leads a week."
        )
    if leads_per_week <= 0:
        raise ValueError(
            "With no new leads a week, no threshold fits a capacity. Fill in how "
            "many new leads you expect a week."
        )
    threshold = capacity_threshold(proba, len(proba) / leads_per_week, capacity)
    # Rounded up, so rounding never lets one more lead into the top tier.
    return min(1.0, math.ceil(threshold * 10_000) / 10_000)


def fit_top_tier(
    bands: list[tuple[str, float]],
    capacity: int,
    *,
    proba: np.ndarray,
    leads_per_week: float | None,
) -> TopTierFit:
    """Return the bands, highest first, with the top one fitted to `capacity`.

    `proba` and `leads_per_week` are the held-out scores and the weekly
    volume the preview scales them to. Raises ValueError, with a sentence
    for the admin, when the weekly volume is unknown or nought.
    """
    threshold = top_threshold_for(capacity, proba, leads_per_week)
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
            f"threshold. {fit.top} is set just above it, to {fit.threshold}, in "
            f"the form; lower {fit.held_above}'s threshold to send the team more."
        )
    return (
        f"For {_calls(fit.capacity)} a week, {fit.top}'s threshold is set to "
        f"{fit.threshold} in the form; the preview below uses it, and Save keeps it."
    )


def preview_page(formset, options) -> tuple[list[TierPreview], str]:
    """Return the preview rows and a note on the capacity, if one is set.

    A top tier fitted to the capacity is also put in the form, so that Save
    stores what the page shows. A capacity that cannot be met leaves the
    bands as typed; the note says why.
    """
    bands, per_week = current_bands(formset), leads_per_week(options)
    capacity = options.cleaned_data.get("capacity") if options.is_valid() else None
    if capacity is None or not bands:
        return preview_for(bands, per_week), ""

    try:
        fit = fit_top_tier(
            bands, capacity, proba=holdout_proba(), leads_per_week=per_week
        )
    except ValueError as error:
        return preview_for(bands, per_week), str(error)
    show_fit(formset, options, fit)
    return preview_for(fit.bands, per_week), preview_note(fit)


def show_fit(formset, options, fit: TopTierFit) -> None:
    """Put the fitted threshold in the top tier's field, and the capacity it
    was fitted for in the hidden field, on the bound forms shown next."""
    data = formset.data.copy()  # request.POST itself cannot be changed
    data[top_form(formset).add_prefix("min_probability")] = str(fit.threshold)
    data[options.add_prefix("fitted_capacity")] = str(fit.capacity)
    # The forms are already validated: only what they render changes.
    for form in (*formset.forms, options):
        form.data = data


def save_tiers(formset, options) -> str:
    """Save a valid tier formset and return the message saying what was saved.

    The tiers are saved as posted, which is as the page showed them, unless
    the capacity is not the one the page was fitted for (it was changed
    after the preview, or never previewed): then the top tier is fitted to
    it now. Raises ValueError (and saves nothing) when that fit fails.
    """
    capacity = options.cleaned_data.get("capacity")
    if capacity is None:
        formset.save()
        return SAVED
    if capacity == options.cleaned_data.get("fitted_capacity"):
        formset.save()
        return shown_message(posted_bands(formset), capacity)
    return save_fitted(formset, capacity, leads_per_week(options))


def save_fitted(formset, capacity: int, per_week: float | None) -> str:
    """Save the formset with its top tier fitted to `capacity` from the
    latest figures, and return the message saying so."""
    bands = posted_bands(formset)
    fit = fit_top_tier(bands, capacity, proba=holdout_proba(), leads_per_week=per_week)
    top: Tier = top_form(formset).instance
    top.min_probability = fit.threshold

    with transaction.atomic():
        saved = formset.save()
        if top not in saved:  # the formset skips a form whose fields are unchanged
            top.save()
    logger.info(
        "Tier %s: threshold %s set for %s calls a week", top.pk, fit.threshold, capacity
    )
    return saved_message(fit)


def shown_message(bands: list[tuple[str, float]], capacity: int) -> str:
    """Return the message confirming a save of the tiers a preview fitted."""
    top, threshold = max(bands, key=lambda band: band[1])
    return (
        f"Tiers saved. {top}'s threshold is {threshold}, as previewed for "
        f"{_calls(capacity)} a week; new scores use the tiers from now on."
    )


def saved_message(fit: TopTierFit) -> str:
    """Return the message confirming a save that fitted the top tier itself."""
    if fit.held_above:
        return (
            f"Tiers saved. {fit.top}'s threshold is {fit.threshold}, computed on "
            f"saving from the latest scores: just above {fit.held_above}'s, as "
            f"your team can call more leads than score above it. New scores use "
            f"the tiers from now on."
        )
    return (
        f"Tiers saved. {fit.top}'s threshold is {fit.threshold}, computed on "
        f"saving from the latest scores to fit {_calls(fit.capacity)} a week; "
        f"new scores use the tiers from now on."
    )


def _calls(n: int) -> str:
    return f"{n} call" if n == 1 else f"{n} calls"
