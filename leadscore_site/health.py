"""What the health endpoint checks: the database, Redis and the RQ workers."""

import logging

import django_rq
from django.conf import settings
from django.db import connection
from rq import Worker

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    """Return whether the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.exception("Health: the database does not answer")
        return False


def redis_ok() -> bool:
    """Return whether the Redis the queues live in answers."""
    try:
        return bool(django_rq.get_connection("delivery").ping())
    except Exception:
        logger.exception("Health: Redis does not answer")
        return False


def workers_per_queue() -> dict[str, int]:
    """Return how many live workers listen on each queue.

    A worker that stopped without saying so stays listed by RQ until its
    heartbeat expires (a few minutes), so a count can lag a crash.
    """
    counts = {name: 0 for name in settings.RQ_QUEUES}
    for worker in Worker.all(connection=django_rq.get_connection("delivery")):
        for name in worker.queue_names():
            if name in counts:
                counts[name] += 1
    return counts


def health() -> tuple[dict, bool]:
    """Return the report and whether the site can serve requests.

    Missing workers leave pages working but jobs waiting, so they make the
    report "degraded" without failing it.
    """
    report = {"database": database_ok(), "redis": redis_ok(), "workers": {}}
    if report["redis"]:
        report["workers"] = workers_per_queue()
    serving = report["database"] and report["redis"]
    idle = [name for name, n in report["workers"].items() if n == 0]
    report["status"] = "down" if not serving else "degraded" if idle else "ok"
    report["queues_without_worker"] = idle
    return report, serving
