#!/usr/bin/env bash
# grokscope vs the PyTorch peer on Nanda et al.'s transformer (configs/nanda-mod113.yaml, full batch of
# 3,830): experiments/bench-all.sh on that config alone (same variables: THREADS, ROUNDS, STEPS).
#   THREADS="1 2" ROUNDS=3 STEPS=30 experiments/nanda-bench.sh
set -euo pipefail
CONFIGS=nanda-mod113 exec "$(dirname "${BASH_SOURCE[0]}")/bench-all.sh"
