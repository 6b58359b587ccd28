from dataclasses import dataclass

import pytest

from routing.tiers import assign_tier


@dataclass
class Band:
    name: str
    min_probability: float


DEFAULT = [Band("Hot", 0.7), Band("Warm", 0.3), Band("Cold", 0.0)]


@pytest.mark.parametrize(
    ("proba", "tier"),
    [
        (0.85, "Hot"),
        (0.70, "Hot"),
        (0.5, "Warm"),
        (0.30, "Warm"),
        (0.1, "Cold"),
        (0.0, "Cold"),
    ],
)
def test_default_policy_sends_each_band_to_its_tier(proba, tier):
    assert assign_tier(proba, DEFAULT).name == tier


def test_stored_tiers_are_the_seeds_three(db):
    from routing.models import Tier

    tiers = Tier.objects.ordered()
    assert [(t.name, t.min_probability) for t in tiers] == [
        ("Hot", 0.7),
        ("Warm", 0.3),
        ("Cold", 0.0),
    ]


def test_admin_thresholds_are_used_not_constants(db):
    from routing.models import Tier

    Tier.objects.filter(name="Hot").update(min_probability=0.9)
    assert assign_tier(0.8, Tier.objects.ordered()).name == "Warm"
