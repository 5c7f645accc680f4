"""How long `derive check` takes on the whole catalogue, serially and with 2 worker processes,
and how long `derive book` takes with a cold and a warm check cache.

    python benchmarks/check_timing.py            # prints a Markdown table

Each figure is the wall time of one run of the command in a fresh process (python -m derive),
with the CPU time of the process and its workers, and the load average at the start (the
machine is shared: compare wall with CPU). The check cache lives in a temporary folder.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args, env) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "derive", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": cache}
        rows = []
        for label, args in (
            ("check, 1 process", ["check", "--jobs", "1"]),
            ("check, 2 workers", ["check", "--jobs", "2"]),
            ("book after check (warm cache)", ["book", "-o", f"{out}/proofs.tex"]),
            ("book, cold cache", ["book", "--no-cache", "-o", f"{out}/proofs.tex"]),
        ):
            load = os.getloadavg()[0]
            wall, cpu = timed(args, env)
            rows.append((label, wall, cpu, load))
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print("| command | wall (s) | CPU (s) | load at start |")
    print("|---|---:|---:|---:|")
    for label, wall, cpu, load in rows:
        print(f"| {label} | {wall:.1f} | {cpu:.1f} | {load:.1f} |")


if __name__ == "__main__":
    main()
