#!/usr/bin/env bash
# Smoke test for the cluster started by up.sh. Exits 0 if everything works,
# 1 (with a message) otherwise. Uses only sbatch/squeue/scontrol (no sacct:
# accounting is disabled).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

fail() { echo "slurm check FAILED: $*" >&2; exit 1; }
T="${GROKSCOPE_SLURM_CHECK_TIMEOUT:-120}"

work="$(mktemp -d "${TMPDIR:-/tmp}/grokscope-slurm-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

scontrol ping 2>/dev/null | grep -q 'is UP' || fail "slurmctld not reachable (run .ci/slurm/up.sh)"

# Poll 'scontrol show job' until no task of job $1 is PENDING/RUNNING/etc.
# Prints one "JobState ExitCode" line per task.
wait_job() {
  local id="$1" deadline=$((SECONDS + T)) out
  while ((SECONDS < deadline)); do
    out="$(scontrol show job -o "$id" 2>/dev/null)" || fail "scontrol show job $id failed"
    if ! grep -qE 'JobState=(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED)' <<<"$out"; then
      sed -E 's/.*JobState=([A-Z_]+).* ExitCode=([0-9:]+).*/\1 \2/' <<<"$out"
      return 0
    fi
    sleep 0.5
  done
  fail "job $id still not finished after ${T}s"
}

# 1. Array job with --wait: every task writes a file named after its index.
cat > "$work/array.sh" <<'JOB'
#!/bin/bash
echo "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID" > "$CHECK_DIR/task-$SLURM_ARRAY_TASK_ID"
JOB
out="$(CHECK_DIR="$work" timeout "$T" sbatch --parsable --wait --array=0-3 \
        --job-name=gs-check-array --chdir="$work" --output="$work/slurm-%A_%a.out" \
        "$work/array.sh")" || fail "sbatch --wait --array=0-3 failed (rc=$?): $out"
array_id="${out%%;*}"
[[ "$array_id" =~ ^[0-9]+$ ]] || fail "sbatch --parsable printed '$out', not a job id"
for i in 0 1 2 3; do
  [[ -f "$work/task-$i" ]] || fail "array task $i did not run (no $work/task-$i)"
  [[ "$(cat "$work/task-$i")" == "$array_id $i" ]] \
    || fail "task-$i has '$(cat "$work/task-$i")', expected '$array_id $i'"
done
[[ "$(find "$work" -name 'task-*' | wc -l)" -eq 4 ]] || fail "expected exactly 4 task files"
states="$(wait_job "$array_id")"
[[ "$(grep -c '^COMPLETED 0:0$' <<<"$states")" -eq 4 ]] \
  || fail "scontrol show job $array_id: expected 4 x 'COMPLETED 0:0', got: $(echo $states)"
echo "ok: sbatch --wait --array=0-3 ran tasks 0..3 (job $array_id)"

# 2. --parsable without --wait, status via squeue then scontrol.
id="$(sbatch --parsable --job-name=gs-check-async --output="$work/async.out" \
        --wrap='sleep 2; echo async-done')" || fail "sbatch --parsable failed"
id="${id%%;*}"
[[ "$id" =~ ^[0-9]+$ ]] || fail "sbatch --parsable printed '$id', not a job id"
sq="$(squeue -h -j "$id" -o '%i %T' 2>/dev/null || true)"
[[ -n "$sq" ]] || fail "squeue does not list freshly submitted job $id"
st="$(wait_job "$id")"
[[ "$st" == "COMPLETED 0:0" ]] || fail "job $id ended as '$st', expected 'COMPLETED 0:0'"
[[ -z "$(squeue -h -j "$id" 2>/dev/null || true)" ]] || fail "finished job $id still in squeue"
grep -qx async-done "$work/async.out" || fail "job $id output missing"
echo "ok: sbatch --parsable -> $id; squeue saw '$sq'; scontrol: $st"

# 3. A failing job must be visible as FAILED with its exit code.
id="$(sbatch --parsable --job-name=gs-check-fail --output=/dev/null --wrap='exit 3')"
id="${id%%;*}"
st="$(wait_job "$id")"
[[ "$st" == "FAILED 3:0" ]] || fail "failing job $id ended as '$st', expected 'FAILED 3:0'"
echo "ok: failing job $id reported as '$st'"

echo "slurm check passed"
