"""What made training cheaper keeps its answers: importances measured in
batches and on preprocessed rows, and "automatic" dropping an algorithm
that trails early."""

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance

from modeling import training
from modeling.explain import split_model
from modeling.features import prepare_features
from modeling.pipeline import fit_calibrated, single_threaded
from modeling.training import column_importances, ranking_model, train_and_evaluate
from tests.builders import make_leads, make_logistic_history

KINDS = {"Source": "category", "Minutes on site": "number", "Employees": "category"}
DATED_KINDS = {**KINDS, "Created": "date"}


def test_batched_importances_agree_with_scikit_learns():
    leads = make_leads(1000)  # no more rows than importance uses
    X = prepare_features(leads, KINDS)
    y = (leads["Converted"] == "Yes").astype(int).to_numpy()
    model = fit_calibrated(KINDS, "forest", X, pd.Series(y))

    ours = {i["column"]: i["importance"] for i in column_importances(model, X, y, 0)}
    theirs = permutation_importance(
        ranking_model(model), X, y, scoring="roc_auc", n_repeats=10, random_state=0
    ).importances_mean

    for column, expected in zip(X.columns, theirs, strict=True):
        assert abs(ours[column] - expected) < 0.03
    assert max(ours, key=ours.get) == X.columns[np.argmax(theirs)]


@pytest.mark.parametrize("algorithm", ["logistic", "forest", "boosting"])
def test_importances_from_preprocessed_rows_match_the_whole_pipelines(
    algorithm, monkeypatch
):
    leads = make_leads(1500)  # more rows than importance uses: a sample
    leads["Created"] = pd.date_range("2024-01-01", periods=1500, freq="7h")
    leads.loc[::9, "Minutes on site"] = np.nan  # an imputer's indicator too
    X = prepare_features(leads, DATED_KINDS)
    y = (leads["Converted"] == "Yes").astype(int).to_numpy()
    model = fit_calibrated(DATED_KINDS, algorithm, X, pd.Series(y))
    single_threaded(model)  # a forest then adds its trees in one order

    assert split_model(model, list(X.columns)) is not None
    proba, shuffled = training.ranking_predictions(model, X, 0)
    split = column_importances(model, X, y, 0)
    monkeypatch.setattr(training, "split_model", lambda model, columns: None)
    whole_proba, whole_shuffled = training.ranking_predictions(model, X, 0)
    whole = column_importances(model, X, y, 0)

    np.testing.assert_allclose(proba, whole_proba, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shuffled, whole_shuffled, rtol=0, atol=1e-12)
    assert [i["column"] for i in split] == [i["column"] for i in whole]
    for ours, theirs in zip(split, whole, strict=True):
        assert ours["importance"] == pytest.approx(theirs["importance"], abs=1e-5)
        assert ours["spread"] == pytest.approx(theirs["spread"], abs=1e-5)


def test_automatic_stops_testing_what_trails_after_one_fold(monkeypatch):
    # With no margin, every algorithm but the first fold's best trails.
    monkeypatch.setattr(training, "SCREEN_MARGIN", 0.0)
    history = make_logistic_history(21_000)
    stages = []

    trained = train_and_evaluate(
        history,
        history["Converted"].astype(float),
        {"Visits": "number", "Score": "number"},
        "auto",
        progress=lambda percent, stage: stages.append(stage),
    )

    tested_again = {s.split(":")[0] for s in stages if "fold 2 of 3" in s}
    assert tested_again == {f"Testing {trained.algorithm}"}
    assert set(trained.candidates) == {"logistic", "forest", "boosting"}
    assert trained.metrics["n_test"] == 21_000  # the chosen one saw every fold
