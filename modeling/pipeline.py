"""The scikit-learn pipeline for each algorithm a user can choose."""

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from modeling.features import CATEGORY_KINDS, DATE_KINDS, NUMERIC_KINDS, date_parts

ALGORITHMS = ("logistic", "forest")


def build_pipeline(
    kinds: dict[str, str], algorithm: str, *, random_state: int = 0, n_jobs: int = 2
) -> Pipeline:
    """Return an unfitted pipeline: typed preprocessing, then the classifier.

    `kinds` maps each feature column to its kind; the pipeline expects the
    frame `prepare_features` returns for those kinds.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
    linear = algorithm == "logistic"
    preprocess = ColumnTransformer(
        _column_steps(kinds, scale=linear), sparse_threshold=0.3
    )
    if linear:
        classifier = LogisticRegression(max_iter=2000, C=1.0)
    else:
        classifier = RandomForestClassifier(
            n_estimators=300,
            min_samples_leaf=3,
            max_features="sqrt",
            n_jobs=n_jobs,
            random_state=random_state,
        )
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def _column_steps(kinds: dict[str, str], *, scale: bool) -> list[tuple]:
    numeric = [c for c, kind in kinds.items() if kind in NUMERIC_KINDS]
    categories = [c for c, kind in kinds.items() if kind in CATEGORY_KINDS]
    dates = [c for c, kind in kinds.items() if kind in DATE_KINDS]

    def numbers_step() -> Pipeline:
        # The indicator keeps "this was blank" as a signal of its own.
        impute = SimpleImputer(strategy="median", add_indicator=True)
        return make_pipeline(impute, StandardScaler()) if scale else impute

    steps = []
    if numeric:
        steps.append(("numbers", numbers_step(), numeric))
    if categories:
        # Rare values share one column, so a typo seen once cannot become
        # a feature of its own, and unseen values at scoring time are safe.
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
        steps.append(("categories", encoder, categories))
    if dates:
        parts = FunctionTransformer(date_parts)
        steps.append(("dates", make_pipeline(parts, numbers_step()), dates))
    return steps
