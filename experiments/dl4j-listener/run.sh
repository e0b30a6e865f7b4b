#!/usr/bin/env bash
# Installs grokscope into the local Maven repository, trains the example CNN with the spectra listener
# attached (a user's own project: pom.xml beside this script) and reports the run directory it wrote.
#   experiments/dl4j-listener/run.sh [RUN_DIR] [EPOCHS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
run_dir="$(realpath -m "${1:-$here/runs/cnn-$(date +%Y%m%d-%H%M%S)}")"
epochs="${2:-30}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"

(cd "$root" && mvn -B -q ${MVN_OFFLINE:+-o} -DskipTests install)          # dev.grokscope:grokscope into ~/.m2
(cd "$here" && mvn -B -q ${MVN_OFFLINE:+-o} compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
(cd "$here" && java -cp "target/classes:$(cat target/classpath.txt)" example.CnnWithSpectra "$run_dir" "$epochs")
"$root/grokscope" report "$run_dir"
python3 - "$run_dir" <<'PY' || true
import sys
import numpy as np, pandas as pd
d = sys.argv[1]
s = pd.read_csv(f"{d}/spectra.csv")
print(s.groupby("matrix")[["stable_rank", "effective_rank_normalized", "alpha"]].last())
print("conv_2.W singular values, last snapshot:", np.load(f"{d}/spectra/conv_2.W.npy")[-1][:5].round(3), "...")
PY
