#!/usr/bin/env bash
# Stop the single-node Slurm cluster started by up.sh: cancel all jobs, stop
# slurmd and slurmctld, then munged (only if up.sh started it). Idempotent.
# Usage: down.sh [--keep-munge]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

keep_munge=0
[[ "${1:-}" == "--keep-munge" ]] && keep_munge=1
state="$GS_SLURM_STATE_DIR"

# SIGTERM the given pids together, wait up to 15 s for all to exit, then
# SIGKILL the rest. (Each daemon takes ~2 s to exit on SIGTERM.)
stop_pids() {
  local pid left
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 1 60); do
    left=()
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
    ((${#left[@]})) || return 0
    sleep 0.25
  done
  gs_log "still running after 15 s, sending SIGKILL: ${left[*]}"
  kill -KILL "${left[@]}" 2>/dev/null || true
}

if command -v scontrol >/dev/null 2>&1 && scontrol ping 2>/dev/null | grep -q 'is UP'; then
  jobs="$(squeue -h -o %A 2>/dev/null | sort -u || true)"
  if [[ -n "$jobs" ]]; then
    gs_log "cancelling jobs: $(echo $jobs)"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 40); do [[ -z "$(squeue -h -o %A 2>/dev/null)" ]] && break; sleep 0.25; done
  fi
fi

pids=()
d_pid="$(gs_live_pid "$state/slurmd.pid")"
ctld_pid="$(gs_live_pid "$state/slurmctld.pid")"
[[ -n "$d_pid" ]] && { gs_log "stopping slurmd ($d_pid)"; pids+=("$d_pid"); }
[[ -n "$ctld_pid" ]] && { gs_log "stopping slurmctld ($ctld_pid)"; pids+=("$ctld_pid"); }
stop_pids "${pids[@]}"
# munged last: the Slurm daemons authenticate through it until they are gone.
if [[ $keep_munge == 0 && -e "$state/.munged-started-by-us" ]]; then
  m_pid="$(gs_live_pid /run/munge/munged.pid)"
  if [[ -n "$m_pid" ]]; then gs_log "stopping munged ($m_pid)"; stop_pids "$m_pid"; fi
  rm -f "$state/.munged-started-by-us"
fi
echo "slurm is down"
