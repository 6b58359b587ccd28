import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve

from modeling.errors import TrainingError
from modeling.explain import explain_rows
from modeling.features import prepare_features
from modeling.training import split_by_outcome, train_and_evaluate
from modeling.validation import plan_validation
from tests.builders import make_leads, make_logistic_history, make_segment_history

KINDS = {"Source": "category", "Minutes on site": "number", "Employees": "category"}


def outcome(frame: pd.DataFrame) -> pd.Series:
    return (frame["Converted"] == "Yes").astype(float)


@pytest.mark.parametrize("algorithm", ["logistic", "forest", "boosting"])
def test_a_planted_pattern_is_learned_and_measured(algorithm, leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, algorithm)

    assert trained.metrics["roc_auc"] > 0.75
    low, high = trained.metrics["roc_auc_ci"]
    assert low < trained.metrics["roc_auc"] < high
    assert trained.metrics["n_test"] == 600  # every lead scored once, unseen
    top_two = {item["column"] for item in trained.importances[:2]}
    assert top_two == {"Minutes on site", "Source"}
    assert trained.importances[-1]["column"] == "Employees"


def test_importance_says_which_values_raise_the_chance(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "logistic")

    source = next(i for i in trained.importances if i["column"] == "Source")
    minutes = next(i for i in trained.importances if i["column"] == "Minutes on site")
    assert source["raises"] == ["Referral"] and "Referral" not in source["lowers"]
    assert minutes["raises"] == ["higher values"]


def test_automatic_keeps_the_best_validated_algorithm(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "auto")

    assert set(trained.candidates) == {"logistic", "forest", "boosting"}
    best = max(trained.candidates.values())
    assert trained.candidates[trained.algorithm] == best
    assert trained.metrics["roc_auc"] == pytest.approx(best, abs=0.005)


def test_baseline_accuracy_is_always_guessing_the_commoner_outcome(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "logistic")

    rate = outcome(leads_frame).mean()
    assert trained.metrics["baseline_accuracy"] == pytest.approx(max(rate, 1 - rate))
    assert sum(trained.metrics["confusion"].values()) == 600


def test_scores_are_calibrated_on_unseen_leads():
    history = make_logistic_history()
    kinds = {"Visits": "number", "Score": "number"}
    trained = train_and_evaluate(
        history, history["Converted"].astype(float), kinds, "forest"
    )

    held = trained.holdout
    observed, expected = calibration_curve(
        held["y"], held["proba"], n_bins=8, strategy="quantile"
    )
    assert np.abs(observed - expected).max() < 0.08
    assert trained.metrics["brier"] < 0.2


def test_time_based_split_never_trains_on_newer_leads():
    history = make_logistic_history(1000)
    order = history["Created"].sample(frac=1, random_state=0).reset_index(drop=True)

    validation = plan_validation(history["Converted"], order=order)

    ((train, test),) = validation.splits
    assert validation.kind == "time" and len(test) == 200
    assert order.iloc[train].max() < order.iloc[test].min()


def test_time_based_training_reports_the_shuffled_gap():
    history = make_logistic_history(2000)
    kinds = {"Visits": "number", "Score": "number"}

    trained = train_and_evaluate(
        history,
        history["Converted"].astype(float),
        kinds,
        "logistic",
        order=history["Created"],
    )

    assert trained.validation["kind"] == "time"
    assert trained.metrics["n_test"] == 400
    assert 0.5 < trained.metrics["shuffled_roc_auc"] <= 1


def test_a_planted_segment_is_found_and_confirmed():
    history = make_segment_history()
    kinds = {"Source": "category", "Staff": "category", "Pages": "number"}

    trained = train_and_evaluate(
        history, (history["Converted"] == "yes").astype(float), kinds, "forest"
    )

    top = trained.segments[0]
    assert set(top["traits"]) == {"Source is Webinar", "Staff is 11-50"}
    assert top["lift"] > 2.5 and top["test_leads"] >= 10
    assert "x the average" in top["text"]


def test_open_leads_are_split_from_those_with_an_outcome(leads_frame):
    y = outcome(leads_frame)
    y.iloc[:50] = np.nan

    labelled, y_known, open_rows = split_by_outcome(leads_frame, y)

    assert len(open_rows) == 50 and len(labelled) == len(leads_frame) - 50
    assert y_known.notna().all()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([np.nan] * 40, "No lead"),
        ([1.0] * 40, "same one"),
        ([1.0] * 35 + [0.0] * 5, "Only 5"),
    ],
)
def test_untrainable_outcomes_get_a_plain_reason(values, message):
    frame = make_leads(40)
    with pytest.raises(TrainingError, match=message):
        train_and_evaluate(frame, pd.Series(values), KINDS, "logistic")


def test_scoring_tolerates_unseen_values_and_missing_columns(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "forest")
    new = pd.DataFrame({"Source": ["TikTok", None], "Minutes on site": ["12", "x"]})

    proba = trained.model.predict_proba(prepare_features(new, KINDS))[:, 1]

    assert ((proba >= 0) & (proba <= 1)).all()


def test_reasons_name_what_lifts_a_lead(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "logistic")
    lead = pd.DataFrame(
        {"Source": ["Referral"], "Minutes on site": [40.0], "Employees": ["1-10"]}
    )
    X = prepare_features(lead, KINDS)

    proba, reasons = explain_rows(trained.model, X, trained.baseline_row)

    assert proba[0] == pytest.approx(trained.model.predict_proba(X)[0, 1])
    assert {r["column"] for r in reasons[0][:2]} == {"Minutes on site", "Source"}
    assert all(r["effect"] > 0 for r in reasons[0][:2])
    assert reasons[0][0]["text"].endswith("points")


def test_the_fast_auc_matches_scikit_learn():
    from sklearn.metrics import roc_auc_score

    from modeling.metrics import rank_auc

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    proba = np.round(rng.random(500), 2)  # ties on purpose
    assert rank_auc(y, proba) == pytest.approx(roc_auc_score(y, proba))
