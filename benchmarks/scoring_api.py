"""Latency of POST /api/v1/score under gunicorn, load from a second process.

Prepares a throw-away database (scoring_setup.py), starts gunicorn on
127.0.0.1, then a separate load process sends single leads at a fixed rate
(open loop, so a slow answer does not lower the rate) and batches of 1,000.
Latencies are client-side: request sent to full answer read, including
validation, scoring with reasons, the database writes and the routing job's
enqueue.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_setup import DATA, REPO, bench_environment  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
RATE = int(os.environ.get("BENCH_RATE", "50"))  # requests per second
SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")


def sample_leads(n: int) -> list[dict]:
    import pandas as pd

    frame = pd.read_csv(DATA / "x_education_leads.csv", nrows=5000).drop(
        columns=["Converted"]
    )
    rows = frame.sample(n, replace=True, random_state=0).to_dict("records")
    return [
        {k: (None if v != v else v) for k, v in row.items()} | {"external_id": None}
        for row in rows
    ]


def post(connection: HTTPConnection, token: str, body: dict) -> float:
    payload = json.dumps(body)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/api/v1/score",
        payload,
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 200, response.status
    return elapsed


def load(token: str) -> None:
    """The load process: fixed-rate singles, then batches of 1,000."""
    leads = sample_leads(RATE * SECONDS)
    latencies, lock = [], threading.Lock()
    local = threading.local()

    def send(lead: dict) -> None:
        if not hasattr(local, "connection"):
            local.connection = HTTPConnection("127.0.0.1", PORT, timeout=10)
        elapsed = post(local.connection, token, lead)
        with lock:
            latencies.append(elapsed)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=16) as pool:
        for lead in leads[:50]:  # warm-up: models loaded in every worker
            pool.submit(send, lead).result()
        latencies.clear()
        start = time.perf_counter()
        for i, lead in enumerate(leads):
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, lead)
    report(f"single lead at {RATE}/s for {SECONDS}s", latencies)

    connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
    batches = [
        post(connection, token, {"leads": sample_leads(1000)}) for _ in range(10)
    ]
    report("batch of 1,000 (10 requests, one after another)", batches)


def report(label: str, values: list[float]) -> None:
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    print(
        f"{label}: n={len(values)} p50={p(0.5):.1f} ms p90={p(0.9):.1f} ms "
        f"p99={p(0.99):.1f} ms max={values[-1]:.1f} ms "
        f"mean={statistics.mean(values):.1f} ms"
    )


def main() -> None:
    env = os.environ | bench_environment()
    python = sys.executable
    token = (
        subprocess.run(
            [python, str(Path(__file__).parent / "scoring_setup.py")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "leadscore_site.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            WORKERS,
            "--threads",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    try:
        _wait_for(f"http://127.0.0.1:{PORT}/api/v1/schema")
        subprocess.run([python, __file__, "--load", token], env=env, check=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        load(sys.argv[2])
    else:
        main()
