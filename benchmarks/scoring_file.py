"""Scoring a large file: the app's chunked scoring beside a bare predict_proba.

Builds an N-row CSV (default 1,000,000) by resampling the X Education leads,
then times, over the same rows read in chunks:
  bare   pandas read + the fitted pipeline's predict_proba, nothing else;
  app    pandas read + predict_leads (probability and reasons) + tier +
         the formula-escaped CSV written, chunk by chunk (routing.leads's
         FILE_CHUNK), as the scoring job does, without the database rows.
Peak memory is the process's maximum resident size after each part.
"""

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_setup import BENCH_DIR, DATA, setup_django  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))


def build_file(path: Path) -> None:
    import pandas as pd

    source = pd.read_csv(DATA / "x_education_leads.csv").drop(columns=["Converted"])
    for start in range(0, ROWS, 100_000):
        part = source.sample(
            min(100_000, ROWS - start), replace=True, random_state=start
        )
        part.to_csv(path, mode="a", header=start == 0, index=False)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    if not (BENCH_DIR / "bench.sqlite3").exists():
        raise SystemExit("run benchmarks/scoring_setup.py first")
    setup_django()
    import pandas as pd

    from modeling.features import prepare_features
    from modeling.models import ModelVersion
    from modeling.scoring import pipeline_for, predict_leads
    from routing.export import scored_rows, write_scored_csv
    from routing.leads import FILE_CHUNK
    from routing.models import Tier

    version, tiers = ModelVersion.active(), Tier.objects.ordered()
    pipeline = pipeline_for(version)
    path = BENCH_DIR / f"leads_{ROWS}.csv"
    if not path.exists():
        build_file(path)
    print(
        f"{ROWS:,} rows, {len(version.column_kinds)} model columns, "
        f"chunks of {FILE_CHUNK:,}; start peak {peak_mb():.0f} MB"
    )

    started = time.perf_counter()
    for chunk in pd.read_csv(path, chunksize=FILE_CHUNK):
        pipeline.predict_proba(prepare_features(chunk, version.column_kinds))
    bare = time.perf_counter() - started
    print(f"bare predict_proba: {bare:.1f} s, peak {peak_mb():.0f} MB")

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        for number, chunk in enumerate(pd.read_csv(path, chunksize=FILE_CHUNK)):
            scored = predict_leads(version, chunk)
            write_scored_csv(scored_rows(chunk, scored, tiers), out, header=number == 0)
    app = time.perf_counter() - started
    print(
        f"app scoring with reasons: {app:.1f} s ({app / bare:.1f}x bare), "
        f"peak {peak_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
