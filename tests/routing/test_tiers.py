from dataclasses import dataclass

import numpy as np
import pytest

from routing.tiers import assign_tier, tier_names


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


def test_a_whole_chunk_gets_the_tiers_one_lead_would_get():
    probas = [0.85, 0.70, 0.6999, 0.5, 0.30, 0.1, 0.0]
    # Five tiers, one set above the tier listed before it (as an admin can).
    tiers = DEFAULT[:2] + [Band("Lukewarm", 0.5), Band("Chilly", 0.2), DEFAULT[2]]

    for bands in (DEFAULT, tiers):
        expected = [assign_tier(p, bands).name for p in probas]
        assert tier_names(np.array(probas), bands).tolist() == expected
    assert tier_names(np.array(probas), DEFAULT).tolist() == [
        "Hot",
        "Hot",
        "Warm",
        "Warm",
        "Warm",
        "Cold",
        "Cold",
    ]


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
