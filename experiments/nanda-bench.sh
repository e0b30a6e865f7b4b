#!/usr/bin/env bash
# grokscope vs the PyTorch peer on Nanda et al.'s transformer (configs/nanda-mod113.yaml, full batch of
# 3,830), same machine, in one run: for each thread count, the two alternate ROUNDS times (A B A B ...)
# so that drift on a shared machine hits both alike. Prints ms/step (median of the rounds' medians),
# process CPU ms/step, and peak RSS of each. Needs Debian's python3-torch for the peer.
#   THREADS="1 2" ROUNDS=3 STEPS=30 experiments/nanda-bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
peer="${PEER:-../shared/bench/torch_ref.py}"
steps="${STEPS:-30}"
rounds="${ROUNDS:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
have_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1

./grokscope doctor >/dev/null   # builds the jar if needed, outside the timing

for t in ${THREADS:-1 2}; do
  export OMP_NUM_THREADS="$t"
  for r in $(seq "$rounds"); do
    ./grokscope bench configs/nanda-mod113.yaml --steps "$steps" --warmup 5 > "$out/gs.$t.$r.json"
    if ((have_torch)); then
      /usr/bin/time -f '%M' -o "$out/pt.$t.$r.rss" /usr/bin/python3 "$peer" --model transformer --threads "$t" \
        --epochs "$((steps + 5))" --eval-every 1000000 > "$out/pt.$t.$r.txt"
    fi
  done
done

/usr/bin/python3 - "$out" "$have_torch" ${THREADS:-1 2} <<'PY'
import glob, json, statistics, sys
out, have_torch, threads = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
print(f"{'threads':>7}  {'grokscope ms/step':>18}  {'cpu ms/step':>11}  {'peak RSS MB':>11}  "
      f"{'pytorch ms/step':>16}  {'peak RSS MB':>11}  {'ratio':>6}")
for t in threads:
    gs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/gs.{t}.*.json"))]
    g = statistics.median(x["ms_per_step"]["median"] for x in gs)
    cpu = statistics.median(x["cpu_ms_per_step"] for x in gs)
    grss = max(x["peak_rss_mb"]["end"] or 0 for x in gs)
    if have_torch:
        pt = [json.loads(open(f).read().strip().splitlines()[-1]) for f in sorted(glob.glob(f"{out}/pt.{t}.*.txt"))]
        p = statistics.median(x["ms_per_step"] for x in pt)
        prss = max(int(open(f).read().strip().splitlines()[-1]) for f in glob.glob(f"{out}/pt.{t}.*.rss")) // 1024
        print(f"{t:>7}  {g:>18.1f}  {cpu:>11.1f}  {grss:>11}  {p:>16.1f}  {prss:>11}  {g / p:>6.2f}")
    else:
        print(f"{t:>7}  {g:>18.1f}  {cpu:>11.1f}  {grss:>11}  {'(no torch)':>16}")
PY
