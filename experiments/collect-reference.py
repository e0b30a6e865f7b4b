#!/usr/bin/env python3
"""Copy the small outputs of a sweep directory into results/reference/<name>/ (what the project commits).

    experiments/collect-reference.py SWEEP_DIR results/reference/NAME [--finished-only]

Kept: the sweep's sweep.yaml, plan.csv, summary.csv, by_*.csv and report/ (report.html and the PNG figures;
not the SVG copies the report links to, up to 1.3 MB each for a 12,000-epoch curve), and
for every point in runs/ its config.yaml, run.json, metrics.csv, spectra.csv and summary.json. Left out:
weights, checkpoints, states, spectra/*.npy, logs, each run's own report/, and earlier attempts moved
aside (runs/<id>.replaced-<time>). --finished-only leaves out points whose run.json does not say
completed (a sweep still running). A file over 2 MB is refused (the project commits no file that size).
Absolute paths of the machine the sweep ran on (the sweep directory's own) are replaced by the relative
path from the copied sweep directory, so nothing committed names this machine.
"""
import argparse
import json
import pathlib
import shutil
import sys

SWEEP_FILES = ["sweep.yaml", "plan.csv", "summary.csv"]
RUN_FILES = ["config.yaml", "run.json", "metrics.csv", "spectra.csv", "summary.json"]
MAX_BYTES = 2 * 1024 * 1024
MOVED_ASIDE = ".replaced-"


def copy(src: pathlib.Path, dst: pathlib.Path, prefixes: list[str]) -> None:
    if src.stat().st_size > MAX_BYTES:
        sys.exit(f"collect-reference: {src}: {src.stat().st_size} bytes, over the 2 MB the project commits")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix in (".csv", ".json", ".yaml", ".html", ".md", ".svg"):
        text = src.read_text(encoding="utf-8")
        for p in prefixes:
            text = text.replace(p + "/", "").replace(p, ".")
        dst.write_text(text, encoding="utf-8")
    else:
        shutil.copyfile(src, dst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", type=pathlib.Path)
    ap.add_argument("dest", type=pathlib.Path)
    ap.add_argument("--finished-only", action="store_true")
    a = ap.parse_args()
    sweep = a.sweep.resolve()
    if not (sweep / "plan.csv").is_file():
        sys.exit(f"collect-reference: {a.sweep}: not a sweep directory (no plan.csv)")
    prefixes = sorted({str(sweep), str(a.sweep.absolute())}, key=len, reverse=True)
    n_files = 0
    for name in SWEEP_FILES + sorted(p.name for p in sweep.glob("by_*.csv")):
        if (sweep / name).is_file():
            copy(sweep / name, a.dest / name, prefixes)
            n_files += 1
    if (sweep / "report").is_dir():
        for f in sorted((sweep / "report").rglob("*")):
            if f.is_file() and f.suffix != ".svg":
                copy(f, a.dest / "report" / f.relative_to(sweep / "report"), prefixes)
                n_files += 1
    kept, skipped = [], []
    for run in sorted(p for p in (sweep / "runs").iterdir() if p.is_dir()):
        if MOVED_ASIDE in run.name:
            continue
        try:
            status = json.loads((run / "run.json").read_text(encoding="utf-8")).get("status")
        except (OSError, ValueError):
            status = None
        if a.finished_only and status != "completed":
            skipped.append(f"{run.name} ({status})")
            continue
        for name in RUN_FILES:
            if (run / name).is_file():
                copy(run / name, a.dest / "runs" / run.name / name, prefixes)
                n_files += 1
        kept.append(f"{run.name} ({status})")
    print(f"{a.dest}: {n_files} files; runs: {', '.join(kept) or 'none'}")
    if skipped:
        print(f"left out (not completed): {', '.join(skipped)}")


if __name__ == "__main__":
    main()
