#!/usr/bin/env python3
"""Samples a running grokscope process's resident memory from outside, every INTERVAL seconds, until it
exits: what the reference memory runs (results/reference/*/memory.tsv) record.

    ./grokscope run configs/power-mod97-div.yaml --out runs/power &   # then
    experiments/memory-trace.py $(pgrep -f 'out runs/power') runs/power runs/power/memory.tsv

Columns: unix time, the last epoch in the run's metrics.csv, VmRSS in kB, and the resident MB of anonymous
mappings (/proc/PID/smaps: the Java heap, malloc's arenas, ND4J's native buffers). Summarise with
--summary FILE [--from EPOCH] [--window EPOCHS]: median and maximum RSS per window of epochs and the
linear trend, as the reference READMEs quote them.
"""
import argparse
import os
import statistics
import sys
import time

def last_epoch(run_dir):
    try:
        with open(os.path.join(run_dir, "metrics.csv"), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
        return int(lines[-1].split(",")[0]) if len(lines) > 1 and lines[-1][:1].isdigit() else 0
    except (OSError, ValueError, IndexError):
        return 0


def anonymous_mb(pid):
    """Resident MB of the process's anonymous mappings."""
    anon_kb = 0
    with open(f"/proc/{pid}/smaps") as f:
        named = False
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                named = len(head) >= 6
            elif head[0] == "Rss:" and not named:
                anon_kb += int(head[1])
    return anon_kb // 1024


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def trace(pid, run_dir, out, interval):
    with open(out, "a") as o:
        if o.tell() == 0:
            o.write("time\tepoch\trss_kb\tanon_mb\n")
        while os.path.exists(f"/proc/{pid}"):
            try:
                o.write(f"{int(time.time())}\t{last_epoch(run_dir)}\t{rss_kb(pid)}\t{anonymous_mb(pid)}\n")
                o.flush()
            except (OSError, ValueError):
                break
            time.sleep(interval)


def summary(path, start, window):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            t, epoch, rss = line.split("\t")[:3]
            rows.append((int(epoch), int(rss) / 1024))
    rows = [r for r in rows if r[0] >= start]
    if len(rows) < 2:
        sys.exit(f"{path}: fewer than 2 samples from epoch {start}")
    print(f"| epochs | samples | median RSS | max RSS |\n| --- | --- | --- | --- |")
    lo = start
    last = max(r[0] for r in rows)
    while lo <= last:
        w = [r[1] for r in rows if lo <= r[0] < lo + window]
        if w:
            print(f"| {lo:,}-{min(lo + window - 1, last):,} | {len(w)} | {statistics.median(w):.1f} MB | {max(w):.1f} MB |")
        lo += window
    xs, ys = [r[0] for r in rows], [r[1] for r in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(1e-9, sum((x - mx) ** 2 for x in xs))
    print(f"\nlinear trend from epoch {start}: {1000 * slope:+.2f} MB per 1,000 epochs ({len(rows)} samples)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pid", nargs="?", type=int)
    p.add_argument("run_dir", nargs="?")
    p.add_argument("out", nargs="?")
    p.add_argument("--interval", type=float, default=30)
    p.add_argument("--summary", metavar="FILE")
    p.add_argument("--from", dest="start", type=int, default=100)
    p.add_argument("--window", type=int, default=500)
    a = p.parse_args()
    if a.summary:
        summary(a.summary, a.start, a.window)
    elif a.pid and a.run_dir and a.out:
        trace(a.pid, a.run_dir, a.out, a.interval)
    else:
        p.error("give PID RUN_DIR OUT, or --summary FILE")
