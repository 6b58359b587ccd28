"""A real worker process killed in the middle of a retraining."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from rq.job import JobStatus
from rq.worker import Worker

from modeling import jobs
from modeling.models import ModelVersion, TrainingRun

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_schedule"),
]

REPO = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """Return a URL to the test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@" if db["USER"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{user}{host}/{db['NAME']}"


def status_of(run: TrainingRun) -> str:
    return TrainingRun.objects.values_list("status", flat=True).get(pk=run.pk)


def wait_for_status(run: TrainingRun, wanted: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while status_of(run) != wanted:
        assert time.monotonic() < deadline, f"run never reached {wanted}"
        time.sleep(0.02)


def start_worker(settings, log: Path) -> subprocess.Popen:
    """Start `manage.py rqworker training` on the test database and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "training"],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def family(pid: int) -> list[int]:
    """Return the process and its children: RQ puts each job's work-horse in
    a process group of its own, so killing the worker's group misses it."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def kill_all(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work-horse at once, as a crash would."""
    for pid in family(worker.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def test_a_worker_killed_mid_retrain_leaves_the_champion_and_a_failed_run(
    champion, queues, settings, tmp_path
):
    run = jobs.enqueue_retrain(trigger="admin")
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        wait_for_status(run, TrainingRun.Status.RUNNING, timeout=60)
    finally:
        kill_all(worker)
    assert status_of(run) == TrainingRun.Status.RUNNING  # nobody could record it

    dead = jobs.reap_dead_runs()

    run.refresh_from_db()
    job = queues["training"].fetch_job(run.job_id)
    assert dead == [run]
    assert run.status == TrainingRun.Status.FAILED and "worker" in run.error
    assert run.finished_at is not None
    assert job.get_status() == JobStatus.FAILED
    assert ModelVersion.active() == champion
    assert list(ModelVersion.objects.all()) == [champion]
    # The lock is released: the next retraining may start.
    assert jobs.enqueue_retrain(trigger="admin").status == TrainingRun.Status.QUEUED
    Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + job.worker_name,
        connection=queues["training"].connection,
    ).register_death()


def test_a_live_worker_is_not_taken_for_dead(champion, queues, settings, tmp_path):
    run = jobs.enqueue_retrain(trigger="admin")
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        wait_for_status(run, TrainingRun.Status.RUNNING, timeout=60)
        assert jobs.reap_dead_runs() == []
        wait_for_status(run, TrainingRun.Status.SUCCEEDED, timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert ModelVersion.active() == champion
    assert ModelVersion.objects.get(run=run).comparison.champion == champion
