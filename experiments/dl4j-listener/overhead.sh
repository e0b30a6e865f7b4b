#!/usr/bin/env bash
# What the attached spectra listener costs a user's own DL4J training: example.ListenerOverhead trains a
# MultiLayerNetwork of the quickstart's shape with DL4J's fit, with the listener snapshotting every epoch
# and without, alternating; prints every round and the medians. Run it on a quiet machine.
#   experiments/dl4j-listener/overhead.sh [EPOCHS] [ROUNDS]      # default 300 epochs, 3 rounds
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

(cd "$root" && mvn -B -q ${MVN_OFFLINE:+-o} -DskipTests install)          # dev.grokscope:grokscope into ~/.m2
(cd "$here" && mvn -B -q ${MVN_OFFLINE:+-o} compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS, $(nproc) cores"
(cd "$here" && java -cp "target/classes:$(cat target/classpath.txt)" example.ListenerOverhead "${1:-300}" "${2:-3}" "$scratch")
