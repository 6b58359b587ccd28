"""Train each algorithm on each published lead file, beside plain scikit-learn.

Prints, per file and algorithm: held-out ROC AUC, fit seconds (training,
measuring, importances and the final refit) and peak traced memory, then the
same for a bare scikit-learn pipeline fitted once on the same columns.
"""

import os
import sys
import time
import tracemalloc
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscore_site.settings")
django.setup()

import pandas as pd  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from datasets.leakage import find_leaky_columns  # noqa: E402
from datasets.profiling import profile_columns  # noqa: E402
from datasets.reading import read_table  # noqa: E402
from datasets.target import encode_outcome  # noqa: E402
from modeling.features import usable_columns  # noqa: E402
from modeling.training import train_and_evaluate  # noqa: E402

DATA = Path(os.environ.get("LEADSCORE_DATA_DIR", Path(__file__).parents[2] / "shared" / "data"))
FILES = {
    "x_education_leads.csv": ("Converted", ["1"], ["0"]),
    "bank_marketing_full.csv": ("y", ["yes"], ["no"]),
    "bank_marketing_additional_full.csv": ("y", ["yes"], ["no"]),
}


def measure(fn):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def plain_auc(X: pd.DataFrame, y: pd.Series, algorithm: str) -> float:
    numbers = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    others = [c for c in X.columns if c not in numbers]
    prep = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        (make_pipeline(SimpleImputer(strategy="most_frequent"),
                       OneHotEncoder(handle_unknown="ignore")), others),
    )
    model = (LogisticRegression(max_iter=2000) if algorithm == "logistic"
             else RandomForestClassifier(n_estimators=300, min_samples_leaf=3,
                                         n_jobs=2, random_state=0))
    pipeline = make_pipeline(prep, model)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    pipeline.fit(X_train, y_train)
    return roc_auc_score(y_test, pipeline.predict_proba(X_test)[:, 1])


def main() -> None:
    print(f"{'file':36} {'algorithm':9} {'AUC':>6} {'fit s':>7} {'peak MiB':>9} "
          f"{'plain AUC':>9} {'plain s':>8} {'time x':>7}")
    for name, (target, positive, negative) in FILES.items():
        path = DATA / name
        frame = read_table(path).frame
        profiles = profile_columns(frame)
        kinds = {p.name: p.kind for p in profiles}
        y = encode_outcome(frame[target], positive, negative)
        features = [c for c in usable_columns(kinds, list(frame.columns)) if c != target]
        leaks = {s.column for s in find_leaky_columns(frame[features], y)}
        features = [c for c in features if c not in leaks]
        for algorithm in ("logistic", "forest"):
            trained, seconds, peak = measure(lambda: train_and_evaluate(
                frame[features], y, {c: kinds[c] for c in features}, algorithm))
            plain, plain_seconds, _ = measure(
                lambda: plain_auc(frame[features], y.astype(int), algorithm))
            print(f"{name:36} {algorithm:9} {trained.metrics['roc_auc']:6.3f} "
                  f"{seconds:7.1f} {peak:9.0f} {plain:9.3f} {plain_seconds:8.1f} "
                  f"{seconds / plain_seconds:7.2f}")
        print(f"  left out as leaky: {', '.join(sorted(leaks))}")


if __name__ == "__main__":
    main()
