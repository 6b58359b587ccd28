"""Confidence intervals from many resamples, counted at once."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from modeling.metrics import bootstrap_intervals, score_steps, step_aucs


def scores(n: int, *, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(random_state)
    y = rng.integers(0, 2, n)
    # Rounded, so many leads share a score, as after isotonic calibration.
    proba = np.round(np.clip(0.25 * y + rng.random(n), 0, 1), 2)
    return y, proba


def test_counted_resamples_give_scikit_learns_figures():
    y, proba = scores(2000)
    steps, n_steps = score_steps(proba)
    rng = np.random.default_rng(1)

    for _ in range(5):
        drawn = rng.integers(0, len(y), len(y))
        counts = np.bincount(y[drawn] * n_steps + steps[drawn], minlength=2 * n_steps)
        counts = counts.reshape(2, n_steps).astype(float)

        auc, pr = step_aucs(counts[None, 1], counts[None, 0])

        assert auc[0] == pytest.approx(roc_auc_score(y[drawn], proba[drawn]))
        assert pr[0] == pytest.approx(average_precision_score(y[drawn], proba[drawn]))


def test_a_resample_with_one_outcome_only_is_left_out():
    auc, pr = step_aucs(np.array([[3.0, 2.0]]), np.array([[0.0, 0.0]]))

    assert np.isnan(auc[0]) and np.isnan(pr[0])


def test_the_interval_holds_the_figure_and_narrows_with_more_leads():
    few_y, few_proba = scores(500)
    many_y, many_proba = scores(20_000)

    low, high, pr_low, pr_high = bootstrap_intervals(few_y, few_proba, 0)
    many_low, many_high, _, _ = bootstrap_intervals(many_y, many_proba, 0)

    assert low < roc_auc_score(few_y, few_proba) < high
    assert pr_low < average_precision_score(few_y, few_proba) < pr_high
    assert many_high - many_low < (high - low) / 3
