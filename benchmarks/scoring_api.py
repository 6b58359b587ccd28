"""Latency of POST /api/v1/score under gunicorn, load from a second process.

Prepares a throw-away database (scoring_setup.py), starts gunicorn on
127.0.0.1 with the repository's gunicorn.conf.py, then a separate load
process sends single leads at a fixed rate (open loop, so a slow answer does
not lower the rate) and batches of 1,000. Latencies are client-side: request
sent to full answer read, including validation, scoring with reasons, the
database writes and the routing job's enqueue.

With BENCH_DELIVERY=1 every tier also has a webhook rule pointing at a slow
receiver on 127.0.0.1, and an RQ delivery worker runs beside the server, so
the figures include webhook delivery competing for the same machine.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_setup import DATA, REPO, bench_environment  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "18100"))
RATE = int(os.environ.get("BENCH_RATE", "50"))  # requests per second
SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "10"))
DELIVERY = os.environ.get("BENCH_DELIVERY", "") == "1"
# The receiver takes this long to answer each webhook.
RECEIVER_DELAY = 0.2


def sample_leads(n: int, seed: int = 0) -> list[dict]:
    import pandas as pd

    frame = pd.read_csv(DATA / "x_education_leads.csv", nrows=5000).drop(
        columns=["Converted"]
    )
    rows = frame.sample(n, replace=True, random_state=seed).to_dict("records")
    return [
        {k: (None if v != v else v) for k, v in row.items()} | {"external_id": None}
        for row in rows
    ]


def post(connection: HTTPConnection, token: str, body: dict) -> tuple[float, int]:
    """Send one scoring request; return its latency in ms and HTTP status."""
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
    return (time.perf_counter() - started) * 1000, response.status


def load(token: str, server_pid: int) -> None:
    """The load process: fixed-rate singles, then batches of 1,000."""
    leads = sample_leads(RATE * SECONDS)
    latencies, failures, lock = [], [], threading.Lock()
    local = threading.local()

    def send(lead: dict) -> None:
        if not hasattr(local, "connection"):
            local.connection = HTTPConnection("127.0.0.1", PORT, timeout=10)
        try:
            elapsed, status = post(local.connection, token, lead)
        except OSError as error:
            local.connection.close()
            elapsed, status = 0.0, type(error).__name__
        with lock:
            (latencies if status == 200 else failures).append(elapsed or status)

    with ThreadPoolExecutor(max_workers=16) as pool:
        for lead in leads[:50]:  # warm-up: connections opened, caches filled
            pool.submit(send, lead).result()
        latencies.clear()
        cpu_before = server_cpu_seconds(server_pid)
        start = time.perf_counter()
        for i, lead in enumerate(leads):
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, lead)
    elapsed = time.perf_counter() - start
    cpu_ms = (server_cpu_seconds(server_pid) - cpu_before) * 1000 / len(leads)
    report(f"single lead at {RATE}/s for {SECONDS}s", latencies)
    print(
        f"  achieved {len(latencies) / elapsed:.1f} answered/s over {elapsed:.1f}s; "
        f"{len(failures)} failed {sorted(set(map(str, failures)))[:5]}; "
        f"server CPU {cpu_ms:.1f} ms per lead"
    )

    connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
    bodies = [{"leads": sample_leads(1000, seed)} for seed in range(BATCHES)]
    batches = []
    cpu_before = server_cpu_seconds(server_pid)
    for body in bodies:
        elapsed_ms, status = post(connection, token, body)
        assert status == 200, status
        batches.append(elapsed_ms)
    cpu_ms = (server_cpu_seconds(server_pid) - cpu_before) * 1000 / BATCHES
    report(f"batch of 1,000 ({BATCHES} requests, one after another)", batches)
    print(f"  server CPU {cpu_ms:.0f} ms per batch")


def server_cpu_seconds(pid: int) -> float:
    """Return the CPU time gunicorn's master and workers have used so far.

    Unlike latency, it hardly moves when other programs share the machine.
    """
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ticks = 0
    for process in [pid, *map(int, children)]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def report(label: str, values: list[float]) -> None:
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    print(
        f"{label}: n={len(values)} p50={p(0.5):.1f} ms p95={p(0.95):.1f} ms "
        f"p99={p(0.99):.1f} ms max={values[-1]:.1f} ms "
        f"mean={statistics.mean(values):.1f} ms"
    )


def main() -> None:
    env = os.environ | bench_environment()
    python = sys.executable
    setup = [python, str(Path(__file__).parent / "scoring_setup.py")]
    if DELIVERY:
        setup.append(f"http://127.0.0.1:{PORT + 1}/hook")
    token = (
        subprocess.run(setup, env=env, capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    server = _start_server(env)
    processes = [server]
    receiver = None
    if DELIVERY:
        receiver = _start_receiver(PORT + 1)
        processes.append(
            subprocess.Popen(
                [python, "manage.py", "rqworker", "delivery", "--with-scheduler"],
                cwd=REPO,
                env=env,
            )
        )
    try:
        _wait_for(f"http://127.0.0.1:{PORT}/api/v1/schema")
        command = [python, __file__, "--load", token, str(server.pid)]
        subprocess.run(command, env=env, check=True)
        if receiver is not None:
            time.sleep(2)
            print(f"  webhooks received while measuring: {receiver.count}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        if receiver is not None:
            receiver.shutdown()


def _start_server(env: dict) -> subprocess.Popen:
    # BENCH_WORKERS and BENCH_THREADS override gunicorn.conf.py's sizing.
    sizing = {
        "WEB_CONCURRENCY": os.environ.get("BENCH_WORKERS", ""),
        "WEB_THREADS": os.environ.get("BENCH_THREADS", ""),
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "leadscore_site.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env | {k: v for k, v in sizing.items() if v},
    )


def _start_receiver(port: int) -> ThreadingHTTPServer:
    """Start a webhook receiver that answers slowly; count what it gets."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(RECEIVER_DELAY)
            server.count += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.count = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=30)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        load(sys.argv[2], int(sys.argv[3]))
    else:
        main()
