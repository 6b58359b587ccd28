"""gunicorn settings for the web process (Procfile: web), read at start-up.

Scoring a lead is Python work from start to end (the model, the database
rows), so threads would only wait for each other's interpreter lock: each
worker is a process with one thread. Two per core let a short request start
while another worker scores a batch of 1,000.
"""

import os

# A database connection per request would cost a PostgreSQL log-in on every
# API call, so the web process keeps them a minute unless told otherwise.
if not os.environ.get("DATABASE_CONN_MAX_AGE", "").strip():
    os.environ["DATABASE_CONN_MAX_AGE"] = "60"

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get("WEB_THREADS") or 1)
timeout = 120
# Django and its libraries are imported once, before the workers are forked.
preload_app = True


def when_ready(server) -> None:
    """Import every view now, in the master: the workers forked from it share
    the imports, and no first request waits a second for them."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


def post_worker_init(worker) -> None:
    """Load the active model before the worker takes its first request."""
    from django.db import connections

    from modeling.scoring import warm_up

    warm_up()
    # With threads, requests run on other threads with their own connections.
    connections.close_all()
