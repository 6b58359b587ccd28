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
        "DATABASE_URL": f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(BENCH_DIR / "media"),
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only",
        # Benchmarks deliver to a receiver on this machine.
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }


def setup_django() -> None:
    os.environ.update(bench_environment())
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def prepare() -> str:
    """Migrate, train the X Education model, add rules; return a new token."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "bench.sqlite3").unlink(missing_ok=True)
    setup_django()
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from datasets import intake
    from datasets.models import Dataset
    from modeling.models import TrainingRun
    from modeling.runs import train_version
    from routing.models import RoutingRule, Tier
    from routing.tokens import create_token

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
    train_version(TrainingRun.objects.create(dataset=dataset, algorithm="logistic"))
    # Every lead triggers routing (a queued job), as in production with rules.
    for tier in Tier.objects.ordered():
        RoutingRule.objects.create(tier=tier, kind="call_queue")
    return create_token("benchmark")[1]


if __name__ == "__main__":
    print(prepare())
