"""Scoring a large file: the app's chunked scoring beside a bare predict_proba.

Builds an N-row CSV (default 1,000,000) by resampling the X Education leads,
then, for each algorithm (a model of each is trained on first use), times
over the same rows read in chunks:
  bare    pandas read + the fitted model's predict_proba, nothing else;
  scores  pandas read + predict_leads (probability and reasons);
  file    scores + tier + the formula-escaped CSV written, chunk by chunk
          (routing.leads's STEP_ROWS), as a scoring job does, without the
          database rows: the download repeats each row's cells as received,
          so the file is read a second time, as text.
Times are wall-clock and CPU seconds of this process; on a shared machine
the CPU ratio is the steadier one. Peak memory is the process's maximum
resident size after each part.

  BENCH_ROWS=100000 BENCH_ALGORITHMS=logistic \
      .venv/bin/python benchmarks/scoring_file.py
"""

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_setup import BENCH_DIR, DATA, setup_django  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
ALGORITHMS = os.environ.get("BENCH_ALGORITHMS", "logistic,forest,boosting").split(",")


def build_file(path: Path, rows: int = ROWS) -> None:
    import pandas as pd

    source = pd.read_csv(DATA / "x_education_leads.csv").drop(columns=["Converted"])
    for start in range(0, rows, 100_000):
        part = source.sample(
            min(100_000, rows - start), replace=True, random_state=start
        )
        part.to_csv(path, mode="a", header=start == 0, index=False)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(work: Callable[[], None]) -> tuple[float, float]:
    """Return the wall-clock and CPU seconds `work` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def version_of(algorithm: str):
    """Return a model of the algorithm trained on the benchmark's history,
    training one (left beside the active model) the first time."""
    from modeling.models import ModelVersion, TrainingRun
    from modeling.runs import train_version

    found = ModelVersion.objects.filter(algorithm=algorithm).order_by("-pk").first()
    if found is None:
        history = ModelVersion.active().dataset
        run = TrainingRun.objects.create(dataset=history, algorithm=algorithm)
        found = train_version(run)
    return found


def measure(algorithm: str, path: Path) -> None:
    import pandas as pd

    from datasets.reading import read_cells
    from modeling.features import prepare_features
    from modeling.scoring import pipeline_for, predict_leads
    from routing.export import scored_rows, write_safe_csv
    from routing.leads import STEP_ROWS
    from routing.models import Tier

    version, tiers = version_of(algorithm), Tier.objects.ordered()
    model = pipeline_for(version)

    def chunks():
        return pd.read_csv(path, chunksize=STEP_ROWS)

    def bare():
        for chunk in chunks():
            model.predict_proba(prepare_features(chunk, version.column_kinds))

    def scores():
        for chunk in chunks():
            predict_leads(version, chunk)

    def scored_file():
        cells = read_cells(path, rows=STEP_ROWS)
        with tempfile.TemporaryFile("w+b") as out:
            for number, (chunk, received) in enumerate(zip(chunks(), cells)):
                scored = predict_leads(version, chunk)
                rows = scored_rows(received, scored, tiers)
                write_safe_csv(rows, out, header=number == 0)

    base = timed(bare)
    print(f"{algorithm:9s} bare predict_proba    {_figures(base, base)}")
    print(f"{algorithm:9s} scores with reasons  {_figures(timed(scores), base)}")
    print(f"{algorithm:9s} + tiers, CSV written {_figures(timed(scored_file), base)}")


def _figures(took: tuple[float, float], base: tuple[float, float]) -> str:
    (wall, cpu), (base_wall, base_cpu) = took, base
    return (
        f"{wall:6.1f} s ({wall / base_wall:4.2f}x)  cpu {cpu:6.1f} s "
        f"({cpu / base_cpu:4.2f}x)  peak {peak_mb():5.0f} MB"
    )


def main() -> None:
    if not (BENCH_DIR / "bench.sqlite3").exists():
        raise SystemExit("run benchmarks/scoring_setup.py first")
    setup_django()
    from routing.leads import STEP_ROWS

    path = BENCH_DIR / f"leads_{ROWS}.csv"
    if not path.exists():
        build_file(path)
    print(f"{ROWS:,} rows in chunks of {STEP_ROWS:,}; start peak {peak_mb():.0f} MB")
    for algorithm in ALGORITHMS:
        measure(algorithm, path)


if __name__ == "__main__":
    main()
