#!/usr/bin/env bash
# grokscope vs its PyTorch peer (experiments/torch_peer.py) on every committed config, same machine,
# same thread counts, in one run: for each config and thread count the two alternate ROUNDS times
# (A B A B ...) so that drift on a shared machine hits both alike. Prints, per config and threads, ms per
# step (median of the rounds' medians), process CPU ms per step, peak RSS of each, and the ratio
# grokscope / PyTorch. Needs Debian's python3-torch for the peer, and a real BLAS under it (see below).
#   experiments/bench-all.sh                                   # every config, 1 and 2 threads
#   CONFIGS="power-mod97-div" THREADS=2 ROUNDS=5 STEPS=50 experiments/bench-all.sh
# WARMUP (default 60) steps run untimed on both sides first: the JVM compiles ND4J's Java paths over the
# first seconds (with 5, a Power step's CPU time was ~1.7x its wall time from the compiler threads; a
# 2-shard Power step measured 88-94 ms over steps 20-80 of a process and 60-64 ms over steps 200-400).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
configs="${CONFIGS:-quickstart nanda-mod113 power-mod97-div}"
threads="${THREADS:-1 2}"
steps="${STEPS:-30}"
warmup="${WARMUP:-60}"
rounds="${ROUNDS:-3}"
python="${PYTHON:-/usr/bin/python3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

peer_model() {
  case "$1" in
    quickstart) echo gromov ;;
    nanda-mod113) echo nanda ;;
    power-mod97-div) echo power ;;
    *) echo "bench-all: no PyTorch peer for config $1" >&2; return 2 ;;
  esac
}

have_torch=0
"$python" -c 'import torch' 2>/dev/null && have_torch=1
if ((have_torch)); then
  # Debian's torch calls libblas.so.3: the reference BLAS unless OpenBLAS provides it (apt install
  # libopenblas0-pthread), which makes PyTorch several times slower than it can be.
  blas=$(readlink -f "$(dirname "$("$python" -c 'import torch, os; print(torch.__file__)')")/lib/libtorch_cpu.so" \
    | xargs ldd 2>/dev/null | awk '/libblas|openblas|mkl/ {print $3}' | head -n 1 | xargs -r readlink -f)
  echo "PyTorch BLAS: ${blas:-unknown}"
  case "$blas" in *openblas*|*mkl*|*blis*) ;; *) echo "WARNING: PyTorch is not on an optimised BLAS: its times are not representative" ;; esac
fi

./grokscope doctor >/dev/null   # builds the jar if needed, outside the timing

for c in $configs; do
  model=$(peer_model "$c")
  for t in $threads; do
    export OMP_NUM_THREADS="$t"
    for r in $(seq "$rounds"); do
      ./grokscope bench "configs/$c.yaml" --steps "$steps" --warmup "$warmup" > "$out/gs.$c.$t.$r.json"
      if ((have_torch)); then
        "$python" experiments/torch_peer.py --model "$model" --threads "$t" --steps "$steps" --warmup "$warmup" \
          > "$out/pt.$c.$t.$r.json"
      fi
    done
  done
done

"$python" - "$out" "$have_torch" "$configs" "$threads" <<'PY'
import glob, json, statistics, sys
out, have_torch, configs, threads = sys.argv[1], sys.argv[2] == "1", sys.argv[3].split(), sys.argv[4].split()
def load(kind, c, t):
    return [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{kind}.{c}.{t}.*.json"))]
def rss(x):
    r = x["peak_rss_mb"]
    return (r["end"] or 0) if isinstance(r, dict) else r
cols = ["config", "threads", "grokscope ms/step", "cpu ms", "peak RSS MB", "pytorch ms/step", "cpu ms", "peak RSS MB", "ratio"]
print("| " + " | ".join(cols) + " |")
print("|" + "---|" * len(cols))
for c in configs:
    for t in threads:
        gs = load("gs", c, t)
        g = statistics.median(x["ms_per_step"]["median"] for x in gs)
        row = [c, t, f"{g:.1f}", f"{statistics.median(x['cpu_ms_per_step'] for x in gs):.1f}", str(max(map(rss, gs)))]
        if have_torch:
            pt = load("pt", c, t)
            p = statistics.median(x["ms_per_step"]["median"] for x in pt)
            row += [f"{p:.1f}", f"{statistics.median(x['cpu_ms_per_step'] for x in pt):.1f}", str(max(map(rss, pt))), f"{g / p:.2f}"]
        else:
            row += ["(no torch)", "", "", ""]
        print("| " + " | ".join(row) + " |")
PY
