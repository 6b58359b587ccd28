"""Which tier a probability falls into."""

from collections.abc import Sequence
from typing import Protocol, TypeVar


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
