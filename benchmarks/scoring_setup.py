"""Shared set-up for the scoring benchmarks: a throw-away database, media
folder and Redis database, and a model trained on the X Education file.

Run as a script to prepare BENCH_DIR (default /tmp/leadscore-bench) and print
a fresh API token. The benchmarks never touch the project's own database.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/leadscore-bench"))
# A throw-away PostgreSQL database to use instead of a SQLite file; every
# table in it is dropped first.
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
)
DATA = Path(os.environ.get("LEADSCORE_DATA_DIR", REPO.parent / "shared" / "data"))
POST_CONTACT = [
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
    "Last Activity",
    "Last Notable Activity",
    "Prospect ID",
    "Lead Number",
]


def bench_environment() -> dict[str, str]:
    """Return the environment every benchmark process runs with."""
    return {
        "DJANGO_SETTINGS_MODULE": "leadscore_site.settings",
        "DATABASE_URL": DATABASE_URL,
        "MEDIA_ROOT": str(BENCH_DIR / "media"),
        # Set BENCH_REDIS_URL to keep clear of Redis databases others use.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        # The load is one token; the default 600/min would answer most with 429.
        "API_RATE_LIMIT": "1000000/min",
        "SECRET_KEY": "benchmark-only",
        # Benchmarks deliver to a receiver on this machine.
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }


def setup_django() -> None:
    os.environ.update(bench_environment())
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def prepare(webhook_url: str = "") -> str:
    """Migrate, train the X Education model, add rules; return a new token.

    With `webhook_url`, every tier also posts each scored lead there.
    """
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (BENCH_DIR / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
    setup_django()
    import django_rq
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection

    from datasets import intake
    from datasets.models import Dataset
    from modeling.models import TrainingRun
    from modeling.runs import train_version
    from routing.models import RoutingRule, Tier
    from routing.tokens import create_token

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    content = (DATA / "x_education_leads.csv").read_bytes()
    dataset = Dataset.objects.create(
        file=ContentFile(content, name="x.csv"),
        original_name="x.csv",
        size=len(content),
    )
    intake.inspect_upload(dataset)
    intake.save_mapping(
        dataset,
        intake.load_uncleaned(dataset),
        target="Converted",
        positive=["1"],
        excluded={c: "after contact" for c in POST_CONTACT},
    )
    algorithm = os.environ.get("BENCH_ALGORITHM", "logistic")
    train_version(TrainingRun.objects.create(dataset=dataset, algorithm=algorithm))
    # Every lead triggers routing (a queued job), as in production with rules.
    for tier in Tier.objects.ordered():
        RoutingRule.objects.create(tier=tier, kind="call_queue")
        if webhook_url:
            RoutingRule.objects.create(tier=tier, kind="webhook", url=webhook_url)
    # Jobs a previous run left in the benchmark's Redis database would be
    # delivered to this run's receiver.
    django_rq.get_queue("delivery").empty()
    return create_token("benchmark")[1]


if __name__ == "__main__":
    print(prepare(*sys.argv[1:2]))
