"""Training quality and speed per algorithm, beside plain scikit-learn.

For each published file (post-sale and leaky columns left out, as the app
does) and a generated 100,000-row, 40-column history, prints per algorithm:
validated ROC AUC, seconds and peak traced memory for Leadscore's whole job
(validation, calibration, importances, segments, final fit), and the same
for a bare scikit-learn pipeline validated with the same folds and refitted
once, in the same process. Run: .venv/bin/python benchmarks/training.py
"""

import os
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscore_site.settings")
django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import cross_val_predict  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from datasets.leakage import find_leaky_columns  # noqa: E402
from datasets.profiling import profile_columns  # noqa: E402
from datasets.reading import read_table  # noqa: E402
from datasets.target import encode_outcome  # noqa: E402
from modeling.features import prepare_features, usable_columns  # noqa: E402
from modeling.training import train_and_evaluate  # noqa: E402
from modeling.validation import plan_validation  # noqa: E402
from tests.builders import make_wide_history  # noqa: E402

DATA = Path(os.environ.get("LEADSCORE_DATA_DIR", ROOT.parent / "shared" / "data"))
FILES = {
    "x_education_leads.csv": ("Converted", ["1"], ["0"]),
    "bank_marketing_full.csv": ("y", ["yes"], ["no"]),
    "bank_marketing_additional_full.csv": ("y", ["yes"], ["no"]),
}
ALGORITHMS = ("logistic", "forest", "boosting", "auto")


def measure(fn):
    """Return fn's result, its seconds and its peak traced memory in MiB."""
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def plain_model(X: pd.DataFrame, algorithm: str):
    numbers = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    others = [c for c in X.columns if c not in numbers]
    prep = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        (
            OneHotEncoder(
                handle_unknown="ignore",
                min_frequency=5,
                sparse_output=algorithm == "logistic",
            ),
            others,
        ),
        sparse_threshold=0.3 if algorithm == "logistic" else 0,
    )
    model = {
        "logistic": LogisticRegression(max_iter=2000),
        "forest": RandomForestClassifier(
            n_estimators=200, min_samples_leaf=3, n_jobs=2, random_state=0
        ),
        "boosting": HistGradientBoostingClassifier(random_state=0),
    }[algorithm]
    return make_pipeline(prep, model)


def plain_job(X: pd.DataFrame, y: np.ndarray, algorithm: str) -> float:
    """Validate with the same folds, refit once; return the validated AUC."""
    validation = plan_validation(pd.Series(y))
    proba = cross_val_predict(
        plain_model(X, algorithm), X, y, cv=validation.splits, method="predict_proba"
    )[:, 1]
    plain_model(X, algorithm).fit(X, y)
    return roc_auc_score(y, proba)


def load(name: str) -> tuple[pd.DataFrame, pd.Series, dict]:
    if name == "generated 100k x 40":
        frame = make_wide_history()
        target, positive, negative = "Converted", ["yes"], ["no"]
    else:
        target, positive, negative = FILES[name]
        frame = read_table(DATA / name).frame
    kinds = {p.name: p.kind for p in profile_columns(frame)}
    y = encode_outcome(frame[target], positive, negative)
    features = [c for c in usable_columns(kinds, list(frame.columns)) if c != target]
    leaks = {s.column for s in find_leaky_columns(frame[features], y)}
    kept = {c: kinds[c] for c in features if c not in leaks}
    print(
        f"\n{name}: {len(frame):,} rows, {len(kept)} columns used; "
        f"left out as leaky: {', '.join(sorted(leaks)) or 'none'}"
    )
    return frame, y, kept


def main() -> None:
    """Usage: training.py [FILE_OR_'generated' ...] [--algorithms a,b]"""
    args = sys.argv[1:]
    algorithms = ALGORITHMS
    if "--algorithms" in args:
        at = args.index("--algorithms")
        algorithms = tuple(args[at + 1].split(","))
        args = args[:at] + args[at + 2 :]
    names = ["generated 100k x 40" if a == "generated" else a for a in args] or [
        *FILES,
        "generated 100k x 40",
    ]
    print(
        f"{'algorithm':10} {'AUC':>6} {'secs':>7} {'MiB':>6} | {'plain AUC':>9} "
        f"{'secs':>7} {'MiB':>6} | {'time x':>6} {'mem x':>6}"
    )
    for name in names:
        frame, y, kinds = load(name)
        X_plain = prepare_features(frame, kinds)
        for algorithm in algorithms:
            trained, secs, mib = measure(
                partial(train_and_evaluate, frame, y, kinds, algorithm)
            )
            auc = trained.metrics["roc_auc"]
            if algorithm == "auto":
                print(
                    f"{'auto':10} {auc:6.3f} {secs:7.1f} {mib:6.0f} | chose "
                    f"{trained.algorithm}; candidates {trained.candidates}"
                )
                continue
            plain, p_secs, p_mib = measure(
                partial(plain_job, X_plain, y.astype(int).to_numpy(), algorithm)
            )
            print(
                f"{algorithm:10} {auc:6.3f} {secs:7.1f} {mib:6.0f} | {plain:9.3f} "
                f"{p_secs:7.1f} {p_mib:6.0f} | {secs / p_secs:6.2f} "
                f"{mib / max(p_mib, 1):6.2f}"
            )


if __name__ == "__main__":
    main()
