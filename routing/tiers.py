"""Which tier a probability falls into."""

from collections.abc import Sequence
from typing import Protocol, TypeVar

import numpy as np


class TierLike(Protocol):
    name: str
    min_probability: float


T = TypeVar("T", bound=TierLike)


def assign_tier(proba: float, tiers: Sequence[T]) -> T:
    """Return the highest tier whose threshold the probability reaches.

    `tiers` must be ordered from the highest threshold down; the lowest tier
    catches everything below the others.
    """
    for tier in tiers:
        if proba >= tier.min_probability:
            return tier
    return tiers[-1]


def tier_names(probas: np.ndarray, tiers: Sequence[T]) -> np.ndarray:
    """Return assign_tier's tier name for each probability, for a whole
    chunk of a scored file at once."""
    chosen = np.full(len(probas), len(tiers) - 1)
    # Lower tiers first, so that each probability ends with the first tier
    # (in the given order) whose threshold it reaches.
    for position in range(len(tiers) - 1, -1, -1):
        chosen[np.asarray(probas) >= tiers[position].min_probability] = position
    return np.array([tier.name for tier in tiers], dtype=object)[chosen]
