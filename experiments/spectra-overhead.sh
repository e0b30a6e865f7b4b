#!/usr/bin/env bash
# What spectra every epoch cost: the quickstart (Gromov's MLP, p = 97) and Nanda's transformer
# (p = 113) trained for EPOCHS epochs (default 300) with instrumentation.spectraEvery=1 and =0,
# alternating, ROUNDS times each (default 4); prints every run's wall seconds and process CPU seconds,
# the medians and the overhead %, and per snapshot what the spectra cost training's thread (its wait)
# and their CPU time on any thread, from summary.json and the run's log. Run it on a quiet machine.
#   experiments/spectra-overhead.sh                  # both models, 300 epochs, 4 rounds
#   EPOCHS=20 ROUNDS=1 MODELS=quickstart experiments/spectra-overhead.sh   # a quick check
#   BACKGROUND=false experiments/spectra-overhead.sh   # spectra on the training thread between epochs
#                                                      # (instrumentation.background; default true)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs="${EPOCHS:-300}"
rounds="${ROUNDS:-4}"
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
      /usr/bin/time -f "%e %U %S" -o "$run.time" ./grokscope run "configs/$model.yaml" --out "$run" \
        --set training.epochs="$epochs" --set instrumentation.spectraEvery="$every" --set output.report=false \
        --set output.progress=none --set checkpoint.everySeconds=0 --set instrumentation.background="$background" \
        > "$run.log" 2>&1
      python3 - "$model" "$every" "$round" "$run.time" "$run/summary.json" "$run.log" >> "$out/rows.tsv" <<'PY'
import json, math, re, sys
model, every, rnd, timing, summary, log = sys.argv[1:]
wall, user, sys_ = (float(x) for x in open(timing).read().split()[-3:])
s = json.load(open(summary))
wait = s.get("spectra_ms_per_snapshot")
wait = "" if wait is None or (isinstance(wait, float) and math.isnan(wait)) else f"{wait:.2f}"
# SpectraPipeline logs "... cost training W ms of its time and took C ms of CPU ...".
cpu = re.findall(r"took ([\d.]+) ms of CPU", open(log).read())
print(f"{model}\t{every}\t{rnd}\t{wall:.2f}\t{user + sys_:.2f}\t{s.get('ms_per_step', float('nan')):.1f}\t{wait}"
      f"\t{cpu[-1] if cpu else ''}")
PY
      tail -n 1 "$out/rows.tsv" | awk -F'\t' '{printf "%-14s spectraEvery=%s round %s: wall %6.2f s  CPU %6.2f s  ms/step %5.1f  per snapshot: training waited %s ms, spectra CPU %s ms\n", $1, $2, $3, $4, $5, $6, $7, $8}'
    done
  done
done

python3 - "$out/rows.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print()
print(f"{'model':<14} {'spectra every epoch':>20} {'off':>8} {'overhead':>9} {'CPU on':>8} {'CPU off':>8}  (medians)")
for model in dict.fromkeys(r[0] for r in rows):
    def med(every, col):
        return statistics.median(float(r[col]) for r in rows if r[0] == model and r[1] == every)
    on, off = med("1", 3), med("0", 3)
    print(f"{model:<14} {on:>18.2f} s {off:>6.2f} s {100 * (on - off) / off:>8.1f}% {med('1', 4):>7.1f}s {med('0', 4):>7.1f}s")
PY
