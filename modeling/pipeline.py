"""The scikit-learn pipeline for each algorithm a user can choose."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

from modeling.features import CATEGORY_KINDS, DATE_KINDS, NUMERIC_KINDS, date_parts

ALGORITHMS = ("logistic", "forest", "boosting")
# Below this share of the rarer outcome, classes are weighted so the model
# does not learn to ignore converters; calibration then repairs the scale.
IMBALANCED_SHARE = 0.2
# A forest grows each tree from at most this many rows: on large files the
# trees stay fast and the forest is as good (validated AUC on the 45,211-row
# bank file and a generated 100,000-row history moved by under 0.001 from
# 30,000 rows, at half the fitting time).
FOREST_MAX_ROWS = 15_000
CALIBRATION_SHARE = 0.2
ISOTONIC_MIN_ROWS = 2_000


def build_pipeline(
    kinds: dict[str, str],
    algorithm: str,
    *,
    balanced: bool = False,
    n_rows: int = 0,
    random_state: int = 0,
    n_jobs: int = 2,
) -> Pipeline:
    """Return an unfitted pipeline: typed preprocessing, then the classifier.

    `kinds` maps each feature column to its kind; the pipeline expects the
    frame `prepare_features` returns for those kinds.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
    weight = "balanced" if balanced else None
    if algorithm == "logistic":
        preprocess = _one_hot_columns(kinds, scale=True, sparse=True)
        classifier = LogisticRegression(max_iter=2000, class_weight=weight)
    elif algorithm == "forest":
        # Trees split dense columns several times faster than sparse ones.
        preprocess = _one_hot_columns(kinds, scale=False, sparse=False)
        classifier = RandomForestClassifier(
            n_estimators=200,
            min_samples_leaf=3,
            max_features="sqrt",
            max_samples=min(n_rows, FOREST_MAX_ROWS)
            if n_rows > FOREST_MAX_ROWS
            else None,
            class_weight=weight,
            n_jobs=n_jobs,
            random_state=random_state,
        )
    else:
        preprocess, categorical = _ordinal_columns(kinds)
        classifier = HistGradientBoostingClassifier(
            categorical_features=categorical or None,
            class_weight=weight,
            early_stopping=True,
            random_state=random_state,
        )
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def fit_calibrated(
    kinds: dict[str, str],
    algorithm: str,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    random_state: int = 0,
    n_jobs: int = 2,
) -> BaseEstimator:
    """Fit the pipeline on most rows and calibrate it on the rest.

    The result's probabilities mean what they say: of leads scored 70%,
    about 70% convert. Sigmoid calibration on small sets, isotonic when
    there are enough rows to trust a free-form curve.
    """
    balanced = min(y.mean(), 1 - y.mean()) < IMBALANCED_SHARE
    X_fit, X_cal, y_fit, y_cal = train_test_split(
        X, y, test_size=CALIBRATION_SHARE, stratify=y, random_state=random_state
    )
    pipeline = build_pipeline(
        kinds,
        algorithm,
        balanced=balanced,
        n_rows=len(X_fit),
        random_state=random_state,
        n_jobs=n_jobs,
    )
    pipeline.fit(X_fit, y_fit)
    method = "isotonic" if len(X_cal) >= ISOTONIC_MIN_ROWS else "sigmoid"
    calibrated = CalibratedClassifierCV(FrozenEstimator(pipeline), method=method)
    return calibrated.fit(X_cal, y_cal)


def single_threaded(model: BaseEstimator) -> None:
    """Predict on one thread: scoring one lead is faster without a thread
    pool, and web and worker processes already run side by side."""
    for fitted in _fitted_pipelines(model):
        classifier = fitted.named_steps["classifier"]
        if "n_jobs" in classifier.get_params():
            classifier.set_params(n_jobs=1)


def _fitted_pipelines(model: BaseEstimator) -> list[Pipeline]:
    """Return the fitted pipelines inside a calibrated model (or itself)."""
    if isinstance(model, Pipeline):
        return [model]
    inner = [c.estimator for c in getattr(model, "calibrated_classifiers_", [])]
    return [getattr(e, "estimator", e) for e in inner]


def _numbers_step(scale: bool) -> Pipeline | SimpleImputer:
    # The indicator keeps "this was blank" as a signal of its own.
    impute = SimpleImputer(strategy="median", add_indicator=True)
    return make_pipeline(impute, StandardScaler()) if scale else impute


def _split_kinds(kinds: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    numeric = [c for c, kind in kinds.items() if kind in NUMERIC_KINDS]
    categories = [c for c, kind in kinds.items() if kind in CATEGORY_KINDS]
    dates = [c for c, kind in kinds.items() if kind in DATE_KINDS]
    return numeric, categories, dates


def _one_hot_columns(
    kinds: dict[str, str], *, scale: bool, sparse: bool
) -> ColumnTransformer:
    numeric, categories, dates = _split_kinds(kinds)
    steps = []
    if numeric:
        steps.append(("numbers", _numbers_step(scale), numeric))
    if categories:
        # Rare values share one column, so a typo seen once cannot become
        # a feature of its own, and unseen values at scoring time are safe.
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
        steps.append(("categories", encoder, categories))
    if dates:
        steps.append(("dates", _dates_step(scale), dates))
    # Sparse whenever a one-hot block is: a linear model then touches only the
    # filled cells (a logistic fit on 100,000 rows ran 10-20% faster than on
    # the dense matrix a 0.3 density threshold gave it); trees want dense.
    return ColumnTransformer(steps, sparse_threshold=1.0 if sparse else 0.0)


def _ordinal_columns(kinds: dict[str, str]) -> tuple[ColumnTransformer, list[int]]:
    """Return preprocessing for native categorical trees, and the positions
    of the categorical columns in its output (they come first)."""
    numeric, categories, dates = _split_kinds(kinds)
    steps = []
    if categories:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            min_frequency=5,
            max_categories=250,  # the trees' own limit is 255 bins
        )
        steps.append(("categories", encoder, categories))
    if numeric:
        steps.append(("numbers", "passthrough", numeric))
    if dates:
        steps.append(("dates", FunctionTransformer(date_parts), dates))
    return ColumnTransformer(steps), list(range(len(categories)))


def _dates_step(scale: bool) -> Pipeline:
    return make_pipeline(FunctionTransformer(date_parts), _numbers_step(scale))
