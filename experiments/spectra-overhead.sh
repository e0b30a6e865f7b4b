#!/usr/bin/env bash
# What spectra every epoch cost: the quickstart (Gromov's MLP, p = 97) and Nanda's transformer
# (p = 113) trained for EPOCHS epochs (default 300) with instrumentation.spectraEvery=1 and =0,
# alternating, ROUNDS times each (default 2); prints every run's wall seconds, the medians and the
# overhead %, and the spectra cost per snapshot from summary.json. Run it on a quiet machine.
#   experiments/spectra-overhead.sh                  # both models, 300 epochs, 2 rounds
#   EPOCHS=20 ROUNDS=1 MODELS=quickstart experiments/spectra-overhead.sh   # a quick check
#   BACKGROUND=false experiments/spectra-overhead.sh   # spectra on the training thread between epochs
#                                                      # (instrumentation.background; default true)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs="${EPOCHS:-300}"
rounds="${ROUNDS:-2}"
models="${MODELS:-quickstart nanda-mod113}"
threads="${THREADS:-$(nproc)}"
background="${BACKGROUND:-true}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export OMP_NUM_THREADS="$threads"

./grokscope doctor >/dev/null   # builds the jar if needed, outside the timing

echo "epochs $epochs, rounds $rounds, OMP_NUM_THREADS $threads, $(nproc) cores, background $background"
for model in $models; do
  for round in $(seq 1 "$rounds"); do
    for every in 1 0; do
      run="$out/$model-$every-$round"
      # evalEvery as configured; checkpoints off so both sides do the same work besides spectra.
      start=$(date +%s.%N)
      ./grokscope run "configs/$model.yaml" --out "$run" --set training.epochs="$epochs" \
        --set instrumentation.spectraEvery="$every" --set output.report=false --set output.progress=none \
        --set checkpoint.everySeconds=0 --set instrumentation.background="$background" > "$run.log" 2>&1
      end=$(date +%s.%N)
      python3 - "$model" "$every" "$round" "$start" "$end" "$run/summary.json" "$run.log" >> "$out/rows.tsv" <<'PY'
import json, math, re, sys
model, every, rnd, start, end, summary, log = sys.argv[1:]
s = json.load(open(summary))
snap = s.get("spectra_ms_per_snapshot")
snap = "" if snap is None or (isinstance(snap, float) and math.isnan(snap)) else f"{snap:.1f}"
# SpectraPipeline logs "spectra: N snapshots, W ms wall and C ms CPU each": the worker thread's CPU time.
cpu = re.findall(r"spectra: \d+ snapshots, [\d.]+ ms wall and ([\d.]+) ms CPU each", open(log).read())
print(f"{model}\t{every}\t{rnd}\t{float(end) - float(start):.2f}\t{s.get('ms_per_step', float('nan')):.1f}\t{snap}"
      f"\t{cpu[-1] if cpu else ''}")
PY
      tail -n 1 "$out/rows.tsv" | awk -F'\t' '{printf "%-14s spectraEvery=%s round %s: wall %7.2f s  ms/step %6.1f  spectra ms/snapshot wall %s, CPU %s\n", $1, $2, $3, $4, $5, $6, $7}'
    done
  done
done

python3 - "$out/rows.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print()
print(f"{'model':<14} {'spectra every epoch':>20} {'off':>8} {'overhead':>9}  (median wall seconds)")
for model in dict.fromkeys(r[0] for r in rows):
    on = statistics.median(float(r[3]) for r in rows if r[0] == model and r[1] == "1")
    off = statistics.median(float(r[3]) for r in rows if r[0] == model and r[1] == "0")
    print(f"{model:<14} {on:>18.2f} s {off:>6.2f} s {100 * (on - off) / off:>8.1f}%")
PY
