"""Run one command as a user would (a process of its own) and print one JSON line: its wall time from start to
exit, imports included, and its peak memory (max RSS). Used by ``benchmarks.run``'s end-to-end table."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    t = time.perf_counter()
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(proc.returncode)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 3), "peak_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
