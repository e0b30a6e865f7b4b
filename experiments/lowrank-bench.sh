#!/usr/bin/env bash
# How fast grokscope lowrank prunes a trajectory: trains the quickstart with a state every epoch (151
# states), then times `grokscope lowrank` over all of them (dense, top and bottom evaluations plus one SVD
# per matrix and state). NANDA=1 also trains configs/nanda-mod113.yaml with a state every 100 epochs
# (about an hour) and times lowrank over its 151 states. Prints seconds per state from lowrank.json.
#   OMP_NUM_THREADS=2 experiments/lowrank-bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${OUT:-$(mktemp -d)}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

bench() { # config, every, name
  ./grokscope run "$1" --set checkpoint.trajectoryEvery="$2" --set output.progress=log --out "$out/$3" >/dev/null 2>&1
  /usr/bin/time -f '%e s wall, %U s user, %M KB peak RSS' ./grokscope lowrank "$out/$3" >/dev/null
  /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(sys.argv[2], j["states"], "states,", round(j["seconds"], 1), "s,", round(1000*j["seconds"]/j["states"]), "ms/state")' \
    "$out/$3/lowrank.json" "$3"
}

bench configs/quickstart.yaml 1 quickstart
if [[ "${NANDA:-0}" == 1 ]]; then
  bench configs/nanda-mod113.yaml 100 nanda
fi
echo "runs kept in $out"
