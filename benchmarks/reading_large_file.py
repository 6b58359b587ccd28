"""Time and memory of reading and profiling a 1,000,000-row, 40-column CSV,
against a bare pandas.read_csv of the same file in the same process.

Goal: within 2x pandas' time and under 3x the loaded DataFrame's memory.
Usage: reading_large_file.py [rows] [rounds]; the two reads take turns for
`rounds` rounds (5 by default) and the medians are shown, so that other
programs busy on the machine slow both alike.
"""

import gc
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasets.profiling import profile_columns  # noqa: E402
from datasets.reading import read_table  # noqa: E402

ARGS = sys.argv[1:]
N_ROWS = int(ARGS[0]) if ARGS and ARGS[0] != "--rss" else 1_000_000
ROUNDS = int(ARGS[1]) if len(ARGS) > 1 and ARGS[0] != "--rss" else 5
SOURCES = ["Google", "google", "Direct Traffic", "Olark Chat", "Referral", "Select"]


def make_frame(n: int, random_state: int = 0) -> pd.DataFrame:
    """Return 40 columns of the kinds lead exports hold, placeholders included."""
    rng = np.random.default_rng(random_state)
    columns = {"Lead ID": [f"L{i:07d}" for i in range(n)]}
    for k in range(14):
        values = rng.gamma(2.0, 10.0, n).round(2)
        values[rng.random(n) < 0.05] = np.nan
        columns[f"Number {k}"] = values
    for k in range(8):
        columns[f"Count {k}"] = rng.integers(0, 500, n)
    for k in range(10):
        columns[f"Category {k}"] = rng.choice(SOURCES, n)
    for k in range(3):
        columns[f"Flag {k}"] = rng.choice(["Yes", "No"], n)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D")
    columns["Created"] = days.strftime("%Y-%m-%d")
    columns["Email"] = [f"user{i}@example.com" for i in range(n)]
    columns["City"] = rng.choice(["Mumbai", "Pune", "N/A", "Delhi", ""], n)
    columns["Converted"] = rng.integers(0, 2, n)
    return pd.DataFrame(columns)


def timed(function):
    gc.collect()
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def median_seconds(path: Path) -> tuple[float, float, float]:
    """Return pandas' and our median seconds, and the median of their ratios."""
    bare, mine, ratios = [], [], []
    for _ in range(ROUNDS):
        bare.append(timed(lambda: pd.read_csv(path))[1])
        mine.append(timed(lambda: ours(path))[1])
        ratios.append(mine[-1] / bare[-1])
    return statistics.median(bare), statistics.median(mine), statistics.median(ratios)


def peak_bytes(function) -> int:
    gc.collect()
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def child_peak_rss(which: str, path: Path) -> int:
    """Return the peak resident memory, in bytes, of one read in a new process.

    tracemalloc misses what pandas' C parser and Arrow allocate; RSS does not.
    """
    command = [sys.executable, __file__, "--rss", which, str(path)]
    return int(subprocess.run(command, capture_output=True, text=True).stdout)


def report_rss(which: str, path: Path) -> None:
    baseline = _status_kb("VmRSS")
    frame = ours(path) if which == "ours" else pd.read_csv(path)
    # VmHWM starts afresh in a new program, unlike ru_maxrss, which Linux
    # carries over from the parent that started it.
    peak = _status_kb("VmHWM")
    del frame
    sys.stdout.write(str((peak - baseline) * 1024))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])


def ours(path: Path) -> pd.DataFrame:
    read = read_table(path)
    profile_columns(read.frame, read.distinct)
    return read.frame


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        make_frame(N_ROWS).to_csv(path, index=False)
        size = path.stat().st_size / 1e6

        bare_seconds, our_seconds, ratio = median_seconds(path)
        bare, frame = pd.read_csv(path), ours(path)
        frame_bytes = frame.memory_usage(deep=True).sum()
        bare_bytes = bare.memory_usage(deep=True).sum()
        del bare
        our_peak = peak_bytes(lambda: ours(path))
        bare_peak = peak_bytes(lambda: pd.read_csv(path))
        our_rss = child_peak_rss("ours", path)
        bare_rss = child_peak_rss("pandas", path)

    mb = 1024 * 1024
    print(f"file: {N_ROWS:,} rows x {frame.shape[1]} columns, {size:,.0f} MB")
    print(f"{ROUNDS} rounds, median seconds; one read each for memory")
    print(f"{'':30}{'seconds':>9}{'traced MB':>11}{'RSS MB':>9}")
    for name, seconds, traced, rss in [
        ("pandas.read_csv", bare_seconds, bare_peak, bare_rss),
        ("read_table + profile_columns", our_seconds, our_peak, our_rss),
    ]:
        print(f"{name:30}{seconds:>9.1f}{traced / mb:>11.0f}{rss / mb:>9.0f}")
    print(f"time ratio (ours / pandas), median of rounds: {ratio:.2f}  (goal < 2)")
    print(
        f"loaded DataFrame: ours {frame_bytes / mb:,.0f} MB, "
        f"pandas {bare_bytes / mb:,.0f} MB"
    )
    print(
        f"peak / our loaded DataFrame: traced {our_peak / frame_bytes:.2f}, "
        f"RSS {our_rss / frame_bytes:.2f}  (goal < 3)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rss"]:
        report_rss(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
