"""A whole scoring run on a file of new leads, as the upload page starts it.

The file (default 100,000 rows resampled from the X Education leads, as
scoring_file.py builds it) is inspected, cut into chunks, and every chunk is
scored, stored as leads with their scores, routed to its tier's follow-up
(a job queued per lead) and written to the download, which is then
assembled: everything scoring_file.py leaves out. It runs in this process
through RQ's synchronous queues against the benchmark database (SQLite,
or BENCH_DATABASE_URL), so the time is one worker's.

  BENCH_ROWS=100000 .venv/bin/python benchmarks/scoring_job.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_setup import BENCH_DIR, setup_django  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))


def main() -> None:
    if not BENCH_DIR.exists():
        raise SystemExit("run benchmarks/scoring_setup.py first")
    setup_django()
    import django_rq
    from django.core.files import File
    from scoring_file import build_file

    from datasets import intake
    from datasets.models import Dataset
    from modeling.models import ModelVersion
    from routing.jobs import enqueue_scoring

    path = BENCH_DIR / f"leads_{ROWS}.csv"
    if not path.exists():
        build_file(path, ROWS)
    version = ModelVersion.active()
    started = time.perf_counter()
    with path.open("rb") as handle:
        dataset = Dataset.objects.create(
            purpose=Dataset.Purpose.NEW_LEADS,
            file=File(handle, name=path.name),
            original_name=path.name,
            size=path.stat().st_size,
        )
    intake.inspect_upload(dataset)
    inspected = time.perf_counter()
    run = enqueue_scoring(dataset, version, is_async=False)
    run.refresh_from_db()
    done = time.perf_counter()
    queued = django_rq.get_queue("delivery").count
    django_rq.get_queue("delivery").empty()

    total = done - started
    print(
        f"{ROWS:,} rows, model {version.pk} ({version.algorithm}): run {run.status}, "
        f"{run.n_scored:,} scored in {run.n_chunks} chunks"
    )
    print(
        f"  upload read and profiled {inspected - started:6.1f} s; scored, stored, "
        f"routed and written {done - inspected:6.1f} s; total {total:6.1f} s "
        f"({ROWS / total:,.0f} rows/s); {queued:,} follow-up jobs queued"
    )


if __name__ == "__main__":
    main()
