import numpy as np
import pandas as pd
import pytest

from modeling.errors import TrainingError
from modeling.explain import explain_rows
from modeling.features import prepare_features
from modeling.training import split_by_outcome, train_and_evaluate
from tests.conftest import make_leads

KINDS = {"Source": "category", "Minutes on site": "number", "Employees": "category"}


def outcome(frame: pd.DataFrame) -> pd.Series:
    return (frame["Converted"] == "Yes").astype(float)


@pytest.mark.parametrize("algorithm", ["logistic", "forest"])
def test_a_planted_pattern_is_learned_and_measured(algorithm, leads_frame):
    trained = train_and_evaluate(
        leads_frame, outcome(leads_frame), KINDS, algorithm, random_state=0
    )

    assert trained.metrics["roc_auc"] > 0.75
    assert trained.metrics["n_test"] == 120
    top_two = {item["column"] for item in trained.importances[:2]}
    assert top_two == {"Minutes on site", "Source"}
    assert trained.importances[-1]["column"] == "Employees"


def test_baseline_accuracy_is_always_guessing_the_commoner_outcome(leads_frame):
    y = outcome(leads_frame)
    trained = train_and_evaluate(leads_frame, y, KINDS, "logistic")

    confusion = trained.metrics["confusion"]
    n_test = sum(confusion.values())
    converted_in_test = confusion["tp"] + confusion["fn"]
    share = converted_in_test / n_test
    assert trained.metrics["baseline_accuracy"] == pytest.approx(max(share, 1 - share))


def test_open_leads_are_split_from_those_with_an_outcome(leads_frame):
    y = outcome(leads_frame)
    y.iloc[:50] = np.nan

    labelled, y_known, open_rows = split_by_outcome(leads_frame, y)

    assert len(open_rows) == 50 and len(labelled) == len(leads_frame) - 50
    assert y_known.notna().all()


@pytest.mark.parametrize(
    ("values", "message"),
    [([np.nan] * 40, "No lead"), ([1.0] * 40, "same one"), ([1.0] * 35 + [0.0] * 5, "Only 5")],
)
def test_untrainable_outcomes_get_a_plain_reason(values, message):
    frame = make_leads(40)
    with pytest.raises(TrainingError, match=message):
        train_and_evaluate(frame, pd.Series(values), KINDS, "logistic")


def test_scoring_tolerates_unseen_values_and_missing_columns(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "forest")
    new = pd.DataFrame({"Source": ["TikTok", None], "Minutes on site": ["12", "x"]})

    X = prepare_features(new, KINDS)
    proba = trained.pipeline.predict_proba(X)[:, 1]

    assert ((proba >= 0) & (proba <= 1)).all()


def test_reasons_name_what_lifts_a_lead(leads_frame):
    trained = train_and_evaluate(leads_frame, outcome(leads_frame), KINDS, "logistic")
    lead = pd.DataFrame(
        {"Source": ["Referral"], "Minutes on site": [60.0], "Employees": ["1-10"]}
    )

    X = prepare_features(lead, KINDS)
    proba, reasons = explain_rows(trained.pipeline, X, trained.baseline_row)
    reasons = reasons[0]

    assert proba[0] == pytest.approx(trained.pipeline.predict_proba(X)[0, 1])

    assert [r["column"] for r in reasons[:2]] == ["Minutes on site", "Source"] or [
        r["column"] for r in reasons[:2]
    ] == ["Source", "Minutes on site"]
    assert all(r["effect"] > 0 for r in reasons[:2])
    assert reasons[0]["text"].endswith("points")
