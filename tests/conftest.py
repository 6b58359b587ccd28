"""Shared fixtures: real data files, users, a small leads table."""

import os
from pathlib import Path

import django_rq
import numpy as np
import pandas as pd
import pytest
from rq import SimpleWorker

QUEUES = ("training", "scoring", "delivery")

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LEADSCORE_DATA_DIR", REPO.parent / "shared" / "data"))


def real_data_file(name: str) -> Path:
    """Return a published data file; under CI a missing file fails the test."""
    path = DATA_DIR / name
    if not path.exists():
        message = f"real data file {path} is missing"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def x_education_csv() -> Path:
    return real_data_file("x_education_leads.csv")


@pytest.fixture
def bank_csv() -> Path:
    return real_data_file("bank_marketing_full.csv")


@pytest.fixture
def bank_additional_csv() -> Path:
    return real_data_file("bank_marketing_additional_full.csv")


@pytest.fixture
def marketer(django_user_model):
    return django_user_model.objects.create_user("marketer", password="pw-marketer-1")


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


@pytest.fixture
def queues():
    """Return the real RQ queues, emptied before and after the test."""
    real = {name: django_rq.get_queue(name) for name in QUEUES}
    for queue in real.values():
        queue.empty()
    yield real
    for queue in real.values():
        queue.empty()


@pytest.fixture
def run_jobs(queues):
    """Run every queued job with a real RQ burst worker in this process.

    SimpleWorker does not fork, so the job sees the test's database.
    """

    def run(*names: str) -> None:
        worker = django_rq.get_worker(*(names or QUEUES), worker_class=SimpleWorker)
        worker.work(burst=True)

    return run


def make_leads(n: int = 600, *, random_state: int = 0) -> pd.DataFrame:
    """Return a lead history where source and time on site drive conversion."""
    rng = np.random.default_rng(random_state)
    source = rng.choice(["Google", "Referral", "Newsletter", "Event"], size=n)
    minutes = rng.gamma(2.0, 8.0, size=n).round(1)
    employees = rng.choice(["1-10", "11-50", "51-200", "200+"], size=n)
    logit = -3.0 + 0.12 * minutes + np.where(source == "Referral", 2.0, 0.0)
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "Lead ID": [f"L{i:05d}" for i in range(n)],
        "Source": source,
        "Minutes on site": minutes,
        "Employees": employees,
        "Converted": np.where(converted, "Yes", "No"),
    })


@pytest.fixture
def leads_frame() -> pd.DataFrame:
    return make_leads()
