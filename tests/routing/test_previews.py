import numpy as np
import pytest

from routing.previews import capacity_threshold, preview_tiers
from routing.tier_editing import fit_top_tier

HOLDOUT = {
    "proba": [0.95, 0.81, 0.70, 0.69, 0.45, 0.30, 0.29, 0.10, 0.05, 0.01],
    "y": [1, 1, 0, 1, 0, 1, 0, 0, 1, 0],
}
BANDS = [("Hot", 0.7), ("Warm", 0.3), ("Cold", 0.0)]


def test_preview_counts_match_a_hand_count():
    hot, warm, cold = preview_tiers(BANDS, HOLDOUT, leads_per_week=200)

    # By hand: Hot 0.95 0.81 0.70 (2 won); Warm 0.69 0.45 0.30 (2 won);
    # Cold 0.29 0.10 0.05 0.01 (1 won). 200 a week = 20 per held-out lead.
    assert (hot.n_holdout, hot.n_converted) == (3, 2)
    assert (warm.n_holdout, warm.n_converted) == (3, 2)
    assert (cold.n_holdout, cold.n_converted) == (4, 1)
    assert (hot.per_week, hot.converted_per_week) == (60.0, 40.0)
    assert cold.per_week == 80.0 and cold.conversion_rate == 0.25


def test_preview_without_a_weekly_volume_gives_shares_only():
    hot, *_ = preview_tiers(BANDS, HOLDOUT, leads_per_week=None)

    assert hot.share == 0.3 and hot.per_week is None


def test_the_lowest_tier_catches_scores_below_every_threshold():
    previews = preview_tiers([("A", 0.5), ("B", 0.2)], HOLDOUT, None)

    assert sum(p.n_holdout for p in previews) == 10


def test_capacity_sets_the_threshold_to_fit_the_team():
    recent = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])  # over 2 weeks

    threshold = capacity_threshold(recent, weeks=2, per_week=2)

    assert (recent >= threshold).sum() == 4
    assert 0.5 < threshold <= 0.6


def test_capacity_larger_than_the_flow_takes_everyone():
    assert capacity_threshold(np.array([0.4, 0.2]), weeks=1, per_week=10) == 0.2


def test_capacity_needs_recent_scores():
    with pytest.raises(ValueError, match="No leads"):
        capacity_threshold(np.array([]), weeks=4, per_week=5)


# 200 new leads a week over 10 held-out leads: each stands for 20 a week.
@pytest.mark.parametrize(("capacity", "per_week"), [(20, 20.0), (50, 40.0), (60, 60.0)])
def test_the_fitted_top_tier_holds_the_capacity_in_the_preview(capacity, per_week):
    proba = np.array(HOLDOUT["proba"])

    fit = fit_top_tier(BANDS, capacity, proba=proba, leads_per_week=200)
    hot, *_ = preview_tiers(fit.bands, HOLDOUT, leads_per_week=200)

    assert hot.per_week == per_week <= capacity


def test_fitting_a_capacity_needs_a_weekly_volume():
    proba = np.array(HOLDOUT["proba"])

    with pytest.raises(ValueError, match="Fill in New leads a week"):
        fit_top_tier(BANDS, 5, proba=proba, leads_per_week=None)
