"""Training quality and speed per algorithm, beside plain scikit-learn.

For each published file (post-sale and leaky columns left out, as the app
does) and a generated 100,000-row, 40-column history, prints per algorithm:
validated ROC AUC, wall and CPU seconds (median of --repeats runs, with the
range) and peak traced memory for Leadscore's whole job, and the same for a
plain scikit-learn job, in the same process.

What the plain job does, like for like: the same typed columns (it is not
timed preparing them), the same folds, the same classifier settings (class
weights, a forest's rows per tree, early stopping), the same calibration
(fit on 80%, calibrate on 20%, isotonic from 2,000 rows) in every fold and
once more on every lead. What it does not do: confidence intervals, column
importances, which values raise the chance, segments, charts, the typical
lead and the candidate changes for "next tier". `auto`'s plain job validates
all three algorithms and refits the best. Both jobs run with one BLAS and
one OpenMP thread, as the app's training does (a forest keeps two workers).

Run: .venv/bin/python benchmarks/training.py [FILE ... | generated]
     [--algorithms logistic,forest,boosting,auto] [--repeats 3]
"""

import os
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadscore_site.settings")
django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)
from threadpoolctl import threadpool_limits  # noqa: E402

from datasets.leakage import find_leaky_columns  # noqa: E402
from datasets.profiling import profile_columns  # noqa: E402
from datasets.reading import read_table  # noqa: E402
from datasets.target import encode_outcome  # noqa: E402
from modeling.features import prepare_features, usable_columns  # noqa: E402
from modeling.pipeline import (  # noqa: E402
    CALIBRATION_SHARE,
    FOREST_MAX_ROWS,
    IMBALANCED_SHARE,
    ISOTONIC_MIN_ROWS,
)
from modeling.training import train_and_evaluate  # noqa: E402
from modeling.validation import plan_validation  # noqa: E402
from tests.builders import make_wide_history  # noqa: E402

DATA = Path(os.environ.get("LEADSCORE_DATA_DIR", ROOT.parent / "shared" / "data"))
FILES = {
    "x_education_leads.csv": ("Converted", ["1"], ["0"]),
    "bank_marketing_full.csv": ("y", ["yes"], ["no"]),
    "bank_marketing_additional_full.csv": ("y", ["yes"], ["no"]),
}
GENERATED = "generated 100k x 40"
ALGORITHMS = ("logistic", "forest", "boosting", "auto")
SINGLE = ("logistic", "forest", "boosting")
GOAL_SECONDS = 60
AUTO_MARGIN = 0.005


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]
    mib: float

    def median(self) -> float:
        return statistics.median(self.wall)

    def text(self) -> str:
        low, high = min(self.wall), max(self.wall)
        cpu = statistics.median(self.cpu)
        return (
            f"{self.median():6.1f} ({low:5.1f}-{high:5.1f}) {cpu:6.1f} {self.mib:6.0f}"
        )


def measure(fn, repeats: int):
    """Return fn's result and its Timing: wall and CPU seconds of `repeats`
    untraced runs, then peak traced memory (MiB) of one more run."""
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    # Tracing slows Python-heavy code, so it is never timed.
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, Timing(walls, cpus, peak)


def plain_model(X: pd.DataFrame, y: np.ndarray, algorithm: str):
    """Return the pipeline a scikit-learn user would write for these columns,
    with the classifier settings Leadscore uses."""
    numbers = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    others = [c for c in X.columns if c not in numbers]
    weight = "balanced" if min(y.mean(), 1 - y.mean()) < IMBALANCED_SHARE else None
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    if algorithm == "boosting":
        codes = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
        prep = make_column_transformer((codes, others), (numeric, numbers))
        model = HistGradientBoostingClassifier(
            categorical_features=list(range(len(others))) or None,
            class_weight=weight,
            early_stopping=True,
            random_state=0,
        )
        return make_pipeline(prep, model)
    sparse = algorithm == "logistic"
    hot = OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=sparse)
    prep = make_column_transformer(
        (numeric, numbers), (hot, others), sparse_threshold=0.3 if sparse else 0
    )
    if algorithm == "logistic":
        model = LogisticRegression(max_iter=2000, class_weight=weight)
    else:
        model = RandomForestClassifier(
            n_estimators=200,
            min_samples_leaf=3,
            max_samples=FOREST_MAX_ROWS if len(y) > FOREST_MAX_ROWS else None,
            class_weight=weight,
            n_jobs=2,
            random_state=0,
        )
    return make_pipeline(prep, model)


def plain_calibrated(X: pd.DataFrame, y: np.ndarray, algorithm: str):
    """Fit on 80%, calibrate on the other 20%, as Leadscore does."""
    X_fit, X_cal, y_fit, y_cal = train_test_split(
        X, y, test_size=CALIBRATION_SHARE, stratify=y, random_state=0
    )
    model = plain_model(X_fit, y_fit, algorithm).fit(X_fit, y_fit)
    method = "isotonic" if len(X_cal) >= ISOTONIC_MIN_ROWS else "sigmoid"
    return CalibratedClassifierCV(FrozenEstimator(model), method=method).fit(
        X_cal, y_cal
    )


def plain_auc(X: pd.DataFrame, y: np.ndarray, algorithm: str) -> float:
    """Return the AUC of every lead scored by a fold model that never saw it."""
    proba = np.empty(len(y))
    for train, test in plan_validation(pd.Series(y)).splits:
        model = plain_calibrated(X.iloc[train], y[train], algorithm)
        proba[test] = model.predict_proba(X.iloc[test])[:, 1]
    return float(roc_auc_score(y, proba))


def plain_job(X: pd.DataFrame, y: np.ndarray, algorithms: tuple[str, ...]) -> dict:
    """Validate each algorithm, refit the best once; return the AUCs."""
    aucs = {algorithm: plain_auc(X, y, algorithm) for algorithm in algorithms}
    plain_calibrated(X, y, max(aucs, key=aucs.get))
    return aucs


def ours(frame: pd.DataFrame, y: pd.Series, kinds: dict, algorithm: str):
    return train_and_evaluate(frame, y, kinds, algorithm)


def load(name: str) -> tuple[pd.DataFrame, pd.Series, dict]:
    if name == GENERATED:
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


def run_file(name: str, algorithms: tuple[str, ...], repeats: int) -> None:
    frame, y, kinds = load(name)
    X_plain = prepare_features(frame, kinds)
    y_plain = y.astype(int).to_numpy()
    best = {}
    for algorithm in algorithms:
        trained, timing = measure(partial(ours, frame, y, kinds, algorithm), repeats)
        compared = SINGLE if algorithm == "auto" else (algorithm,)
        aucs, plain = measure(partial(plain_job, X_plain, y_plain, compared), repeats)
        auc = trained.metrics["roc_auc"]
        best[algorithm] = auc
        plain_text = f"{max(aucs.values()):9.3f} {plain.text()}"
        ratio = timing.median() / plain.median()
        cpu_ratio = statistics.median(timing.cpu) / statistics.median(plain.cpu)
        print(
            f"{algorithm:9} {auc:6.3f} {timing.text()} | {plain_text} | "
            f"{ratio:5.2f} {cpu_ratio:5.2f} {timing.mib / max(plain.mib, 1):5.2f}"
        )
        if algorithm == "auto":
            print(f"          auto chose {trained.algorithm}: {trained.candidates}")
        if name == GENERATED:
            met = "met" if timing.median() < GOAL_SECONDS else "NOT met"
            print(f"          goal: whole job under {GOAL_SECONDS} s: {met}")
    singles = [best[a] for a in SINGLE if a in best]
    if "auto" in best and singles:
        gap = max(singles) - best["auto"]
        met = "met" if gap <= AUTO_MARGIN else "NOT met"
        print(f"          goal: auto within {AUTO_MARGIN} AUC of the best: {met}")


def main() -> None:
    """Usage: training.py [FILE_OR_'generated' ...] [--algorithms a,b]
    [--repeats N]"""
    args = sys.argv[1:]
    algorithms, repeats = ALGORITHMS, 3
    if "--algorithms" in args:
        at = args.index("--algorithms")
        algorithms = tuple(args[at + 1].split(","))
        args = args[:at] + args[at + 2 :]
    if "--repeats" in args:
        at = args.index("--repeats")
        repeats = int(args[at + 1])
        args = args[:at] + args[at + 2 :]
    names = [GENERATED if a == "generated" else a for a in args] or [*FILES, GENERATED]
    print(
        f"{'algorithm':9} {'AUC':>6} {'secs (range)':>20} {'cpu s':>6} {'MiB':>6} | "
        f"{'plain AUC':>9} {'secs (range)':>20} {'cpu s':>6} {'MiB':>6} | "
        f"{'time x':>5} {'cpu x':>5} {'mem x':>5}"
    )
    # The same threads for both jobs: train_and_evaluate limits its own.
    with threadpool_limits(limits=1):
        for name in names:
            run_file(name, algorithms, repeats)


if __name__ == "__main__":
    main()
