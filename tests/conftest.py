"""Shared fixtures: real data files, users, a small leads table."""

import os
from pathlib import Path

import django_rq
import pandas as pd
import pytest
from rq import SimpleWorker

from leadscore_site.roles import MARKETER, SALES_MANAGER
from tests.builders import make_leads
from tests.roles import give_roles

# One user per role (marketer_only, sales_manager, site_admin), for any test.
pytest_plugins = ["tests.roles"]

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
    # One person follows the whole job in these tests, up to the ranked leads,
    # so the user holds both roles the job crosses.
    user = django_user_model.objects.create_user("marketer", password="pw-marketer-1")
    return give_roles(user, MARKETER, SALES_MANAGER)


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


@pytest.fixture
def leads_frame() -> pd.DataFrame:
    return make_leads()
