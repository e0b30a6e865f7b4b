#!/usr/bin/env bash
# grokscope vs the PyTorch peer on the quickstart (Gromov's MLP, p = 97), same machine, same threads.
# Prints ms/step, epochs to grok and peak RSS of each (the peer: experiments/torch_peer.py). Needs Debian's python3-torch for the peer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads="${THREADS:-2}"
out="$(mktemp -d)"
export OMP_NUM_THREADS="$threads"

./grokscope doctor >/dev/null   # builds the jar if needed, outside the timing

/usr/bin/time -f '%M' -o "$out/gs.rss" ./grokscope run configs/quickstart.yaml \
  --set output.progress=none --out "$out/run" > "$out/gs.txt"
gs_rss=$(( $(cat "$out/gs.rss") / 1024 ))
python3 - "$out/run/summary.json" "$gs_rss" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"grokscope  ms/step {s['ms_per_step']:.1f}  train99 {s['epoch_train_99']}  val99 {s['epoch_val_99']}"
      f"  val_acc@train99 {s['val_accuracy_at_train_99']:.3f}  wall {s['wall_time_s']:.1f} s  peak RSS {sys.argv[2]} MB")
PY

if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  /usr/bin/python3 experiments/torch_peer.py --model gromov --train-epochs 150 --threads "$threads" | python3 -c "
import json, sys
s = json.loads(sys.stdin.read())
print(f\"pytorch    ms/step {s['ms_per_step']['mean']:.1f}  train99 {s['epoch_train99']}  val99 {s['epoch_val99']}  peak RSS {s['peak_rss_mb']} MB\")"
else
  echo "pytorch    (not installed: apt-get install python3-torch)"
fi
rm -rf "$out"
