"""Evidence for setting tier thresholds: what each tier would hold."""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Min
from django.utils import timezone

from routing.models import Lead

# Recent scores tell how many new leads arrive a week.
RECENT_WEEKS = 4


@dataclass
class TierPreview:
    name: str
    min_probability: float
    n_holdout: int
    n_converted: int
    share: float
    per_week: float | None
    converted_per_week: float | None

    @property
    def conversion_rate(self) -> float | None:
        return self.n_converted / self.n_holdout if self.n_holdout else None


def preview_tiers(
    bands: list[tuple[str, float]], holdout: dict, leads_per_week: float | None
) -> list[TierPreview]:
    """Return, for each (name, threshold) band, what the held-out leads say.

    `holdout` holds the model's held-out scores and outcomes (`proba`, `y`).
    Each held-out lead lands in the highest band it reaches, as in scoring;
    per-week figures scale the band's share to `leads_per_week`.
    """
    bands = sorted(bands, key=lambda band: band[1], reverse=True)
    proba = np.asarray(holdout.get("proba", []), dtype=float)
    y = np.asarray(holdout.get("y", []), dtype=int)
    taken = np.zeros(len(proba), dtype=bool)
    previews = []
    for index, (name, low) in enumerate(bands):
        last = index == len(bands) - 1
        here = ~taken & ((proba >= low) | last)
        taken |= here
        n, converted = int(here.sum()), int(y[here].sum())
        share = n / len(proba) if len(proba) else 0.0
        scale = None if leads_per_week is None else leads_per_week / max(len(proba), 1)
        previews.append(
            TierPreview(
                name,
                low,
                n,
                converted,
                share,
                None if scale is None else round(n * scale, 1),
                None if scale is None else round(converted * scale, 1),
            )
        )
    return previews


def count_new_leads(weeks: int = RECENT_WEEKS) -> int:
    """Return how many leads were first scored in the last `weeks` weeks.

    A rescore, or the same file uploaded again, scores leads that arrived
    earlier: only a lead's first score makes it a new lead.
    """
    since = timezone.now() - timedelta(weeks=weeks)
    leads = Lead.objects.alias(first_scored=Min("scores__scored_at"))
    return leads.filter(first_scored__gte=since).count()


def capacity_threshold(proba: np.ndarray, weeks: float, per_week: int) -> float:
    """Return the lowest score that keeps the top tier to `per_week` leads.

    `proba` holds the scores of the leads that arrive in `weeks` weeks. At
    most `per_week` of them a week score at or above the threshold; leads
    tied at the cut all stay below it, which may leave the tier a few short.
    """
    if len(proba) == 0:
        raise ValueError(
            "No leads have scores, so there is no distribution to set the "
            "threshold from."
        )
    # Rounded first, so a float error never costs a lead that fits.
    allowed = int(round(per_week * weeks, 9))
    ranked = np.sort(proba)[::-1]
    if allowed >= len(ranked):
        return float(ranked[-1])
    if allowed <= 0:
        return 1.0
    # Just above the first lead that no longer fits.
    return float(min(1.0, np.nextafter(ranked[allowed], 2.0)))
