"""Production settings come from the environment alone; the health endpoint;
the Procfile runs web and one worker per queue kind."""

import os
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from rq import Worker

REPO = Path(django_settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7PbXq2-mR9vLk4sT0wZc8yNd3fHj6aGe1uQiOo5pVrBlKnMsEtWxYzAbCdEfGhIj",
    "ALLOWED_HOSTS": "leads.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    # The browser tests set this for their own process; a deployment never has it.
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_environment_alone():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_check_deploy_fails_with_the_development_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


def test_serving_https_without_a_secret_key_stops_at_start_up():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_reads_postgresql_from_database_url():
    code = "from django.conf import settings; print(settings.DATABASES['default'])"
    result = manage(
        "shell",
        "-c",
        code,
        **PRODUCTION,
        DATABASE_URL="postgres://leads:pw@db.internal:5432/leadscore",
    )
    assert "'ENGINE': 'django.db.backends.postgresql'" in result.stdout, result.stderr
    assert "'HOST': 'db.internal'" in result.stdout


def test_static_files_are_served_by_whitenoise():
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in django_settings.MIDDLEWARE


def test_the_procfile_runs_gunicorn_and_one_worker_per_queue_kind():
    lines = dict(
        line.split(":", 1)
        for line in (REPO / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert lines["web"].split()[0] == "gunicorn"
    for queue in ("training", "scoring", "delivery"):
        assert lines[queue].split()[2:4] == ["rqworker", queue]
    assert "--with-scheduler" in lines["delivery"]


@pytest.fixture
def training_worker():
    connection = django_rq.get_connection("training")
    worker = Worker([django_rq.get_queue("training")], connection=connection)
    worker.register_birth()
    yield worker
    worker.register_death()


def test_health_reports_database_redis_and_workers(client, db, training_worker):
    report = client.get(reverse("health")).json()

    assert report["database"] is True and report["redis"] is True
    assert report["workers"]["training"] >= 1
    assert report["status"] in ("ok", "degraded")


def test_health_says_down_when_redis_does_not_answer(client, db, monkeypatch):
    monkeypatch.setattr("leadscore_site.health.redis_ok", lambda: False)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["status"] == "down"
