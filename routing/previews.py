"""Evidence for setting tier thresholds: what each tier would hold."""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.utils import timezone

from routing.models import Score

# Recent scores tell how many leads arrive a week and how they score.
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


def recent_probabilities(weeks: int = RECENT_WEEKS) -> np.ndarray:
    """Return the probabilities of every scoring in the last `weeks` weeks."""
    since = timezone.now() - timedelta(weeks=weeks)
    values = Score.objects.filter(scored_at__gte=since).values_list(
        "probability", flat=True
    )
    return np.fromiter(values, dtype=float)


def capacity_threshold(recent: np.ndarray, weeks: float, per_week: int) -> float:
    """Return the lowest score that keeps the top tier to `per_week` leads.

    Leads scoring at or above the threshold arrived at most `per_week` times
    a week over the recent `weeks`; ties may push a few over.
    """
    if len(recent) == 0:
        raise ValueError(
            "No leads were scored recently, so there is no "
            "distribution to set the threshold from."
        )
    allowed = int(per_week * weeks)
    ranked = np.sort(recent)[::-1]
    if allowed >= len(ranked):
        return float(ranked[-1])
    if allowed <= 0:
        return 1.0
    # Just above the first lead that no longer fits.
    return float(min(1.0, np.nextafter(ranked[allowed], 2.0)))
