#!/usr/bin/env python3
"""Per run of a sweep: when it grokked and each matrix's normalised effective rank at chosen epochs.

Reads what a sweep writes (plan.csv, runs/<id>/metrics.csv, runs/<id>/spectra.csv) with pandas and
prints a markdown table, one row per run and matrix: the plan's axes, the first epoch with validation
accuracy >= 0.99 ("-" if none), and effective_rank_normalized at each epoch asked for (the nearest
snapshot at or before it) and at the run's last snapshot. Runs moved aside by the sweep are skipped.

    experiments/rank-table.py SWEEP_DIR [--epochs 200,3000] [--matrices blocks.0.attn.W_Q,...]
"""
import argparse
import os
import sys

import pandas as pd


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep")
    ap.add_argument("--epochs", default="200,3000")
    ap.add_argument("--matrices", default="", help="comma-separated; default: every matrix in spectra.csv")
    a = ap.parse_args()
    epochs = [int(e) for e in a.epochs.split(",") if e]
    plan = pd.read_csv(os.path.join(a.sweep, "plan.csv"), dtype=str, keep_default_na=False)
    axes = [c for c in plan.columns if c != "id"]
    header = axes + ["matrix", "val99"] + [f"@{e}" for e in epochs] + ["last epoch", "@last"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for _, p in plan.iterrows():
        run = os.path.join(a.sweep, "runs", p["id"])
        try:
            m = pd.read_csv(os.path.join(run, "metrics.csv"))
            s = pd.read_csv(os.path.join(run, "spectra.csv"))
        except (FileNotFoundError, pd.errors.EmptyDataError):
            print(f"{p['id']}: no metrics.csv or spectra.csv yet", file=sys.stderr)
            continue
        hit = m[m.val_accuracy >= 0.99]
        val99 = str(int(hit.epoch.iloc[0])) if len(hit) else "-"
        names = a.matrices.split(",") if a.matrices else list(dict.fromkeys(s.matrix))
        last = int(s.epoch.max())
        for name in names:
            r = s[s.matrix == name].set_index("epoch").effective_rank_normalized.sort_index()
            if r.empty:
                continue
            at = []
            for e in epochs:
                before = r[r.index <= e]
                at.append(f"{before.iloc[-1]:.3f}" if len(before) and e <= last else "-")
            print("| " + " | ".join([p[x] or "-" for x in axes] + [name, val99] + at + [str(last), f"{r.iloc[-1]:.3f}"]) + " |")


if __name__ == "__main__":
    main()
