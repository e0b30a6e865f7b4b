#!/usr/bin/env bash
# Bring up a single-node Slurm cluster (munged + slurmctld + slurmd) on this
# machine for the grokscope test suite. Idempotent: if it is already up it only
# prints the status line. Needs root. See .ci/slurm/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

[[ "$(id -u)" -eq 0 ]] || gs_die "must run as root"

print_up() {
  local cpus
  cpus="$(sinfo -h -n "$GS_SLURM_NODE" -o %c 2>/dev/null | head -n1)"
  echo "slurm is up: node=$GS_SLURM_NODE cpus=${cpus:-?} partition=debug conf=$SLURM_CONF"
}

# Machine facts for slurm.conf.
cpus="$(nproc)"
mem_kb="$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
# Advertise ~90% of physical memory (MB) so slurmd never reports less than
# configured (which would drain the node).
real_mem=$(( mem_kb / 1024 * 9 / 10 ))
state="$GS_SLURM_STATE_DIR"

# The slurm.conf this machine should have (on stdout).
render_conf() {
  cat <<CONF
$GS_SLURM_MARKER
# Single-node throw-away cluster for tests. Regenerated on every up.sh run.
ClusterName=grokscope
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Debian has no mail program installed; avoids "Configured MailProg is invalid".
MailProg=/bin/true
ReturnToService=2
# Trust this file over detected hardware (containers report odd topologies).
SlurmdParameters=config_overrides
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Keep finished jobs visible to 'scontrol show job' for 10 minutes.
MinJobAge=600
NodeName=$GS_SLURM_NODE NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$GS_SLURM_NODE Default=YES MaxTime=INFINITE State=UP
CONF
}

already_up() {
  gs_munge_ok || return 1
  command -v scontrol >/dev/null 2>&1 || return 1
  # Up with a different config (knobs or this script changed) => not "up".
  cmp -s "$SLURM_CONF" <(render_conf) || return 1
  scontrol ping 2>/dev/null | grep -q 'is UP' || return 1
  # slurmctld only notices a dead slurmd after SlurmdTimeout, so look at it.
  [[ -n "$(gs_live_pid "$state/slurmd.pid")" ]] || return 1
  case "$(gs_node_state)" in
    idle|mixed|allocated|completing) return 0 ;;
    *) return 1 ;;
  esac
}

# Fast path without the lock.
if already_up; then
  print_up
  exit 0
fi

# Serialise concurrent callers (e.g. several test JVMs calling up.sh at once).
mkdir -p "$GS_SLURM_STATE_DIR"
exec 9>"$GS_SLURM_STATE_DIR/.lock"
flock -w 300 9 || gs_die "could not lock $GS_SLURM_STATE_DIR/.lock"

if already_up; then
  print_up
  exit 0
fi

# ---------------------------------------------------------------- packages --
pkgs=(munge slurmctld slurmd slurm-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  gs_log "installing: ${missing[*]}"
  t0=$SECONDS
  # Keep maintainer scripts from starting services (there is no systemd/init
  # here); policy-rc.d exit 101 = "action forbidden". Only remove it if we
  # created it.
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  trap '[[ $created_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d' EXIT
  export DEBIAN_FRONTEND=noninteractive
  # Refresh package lists only if there are none (fresh image) or the install
  # fails because they are stale.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt-get update -q
  fi
  apt_install() {
    apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  }
  if ! apt_install; then
    gs_log "apt-get install failed; retrying after apt-get update"
    apt-get update -q
    apt_install
  fi
  if [[ $created_policy == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
  trap - EXIT
  gs_log "packages installed in $((SECONDS - t0)) s"
fi

# ------------------------------------------------------------------- munge --
id munge >/dev/null 2>&1 || gs_die "user 'munge' missing after installing munge"
install -d -m 0700 -o munge -g munge /etc/munge
install -d -m 0700 -o munge -g munge /var/lib/munge
install -d -m 0700 -o munge -g munge /var/log/munge
install -d -m 0755 -o munge -g munge /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  gs_log "creating /etc/munge/munge.key"
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key --force
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

if ! gs_munge_ok; then
  if [[ -z "$(gs_live_pid /run/munge/munged.pid)" ]]; then
    # A stale socket/pid from a dead munged makes the new one refuse to start.
    rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    gs_log "starting munged"
    # munged must not run as root; the Debian package runs it as 'munge'.
    runuser -u munge -- /usr/sbin/munged 9>&-   # must not inherit the lock fd
  fi
  for _ in $(seq 1 50); do gs_munge_ok && break; sleep 0.2; done
  gs_munge_ok || gs_die "munged is not answering (see /var/log/munge/munged.log)"
  touch "$GS_SLURM_STATE_DIR/.munged-started-by-us"
fi

# -------------------------------------------------------------- slurm.conf --
install -d -m 0755 "$state" "$state/ctld" "$state/d" "$state/log"
conf_tmp="$(mktemp)"
render_conf > "$conf_tmp"

ctld_pid="$(gs_live_pid "$state/slurmctld.pid")"
d_pid="$(gs_live_pid "$state/slurmd.pid")"
if [[ -e "$SLURM_CONF" ]] && ! grep -qF "$GS_SLURM_MARKER" "$SLURM_CONF" \
   && [[ "${GROKSCOPE_SLURM_FORCE:-0}" != 1 ]]; then
  rm -f "$conf_tmp"
  gs_die "$SLURM_CONF exists and was not written by up.sh; set GROKSCOPE_SLURM_FORCE=1 to overwrite or SLURM_CONF=<other path>"
fi
if ! cmp -s "$conf_tmp" "$SLURM_CONF"; then
  if [[ -n "$ctld_pid$d_pid" ]]; then
    gs_log "slurm.conf changed; restarting daemons"
    "$here/down.sh" --keep-munge
    ctld_pid=""; d_pid=""
  fi
  install -d -m 0755 "$(dirname "$SLURM_CONF")"
  install -m 0644 "$conf_tmp" "$SLURM_CONF"
  gs_log "wrote $SLURM_CONF (CPUs=$cpus RealMemory=$real_mem)"
fi
rm -f "$conf_tmp"

# --------------------------------------------------------------- daemons --
if [[ -z "$ctld_pid" ]]; then
  gs_log "starting slurmctld"
  slurmctld -f "$SLURM_CONF" 9>&-    # daemonises; 9>&-: do not inherit the lock
fi
for _ in $(seq 1 $((GS_SLURM_TIMEOUT * 2))); do
  scontrol ping 2>/dev/null | grep -q 'is UP' && break
  sleep 0.5
done
scontrol ping 2>/dev/null | grep -q 'is UP' || {
  tail -n 30 "$state/log/slurmctld.log" >&2 || true
  gs_die "slurmctld did not come up within ${GS_SLURM_TIMEOUT}s (log: $state/log/slurmctld.log)"
}

if [[ -z "$d_pid" ]]; then
  gs_log "starting slurmd -N $GS_SLURM_NODE"
  slurmd -f "$SLURM_CONF" -N "$GS_SLURM_NODE" 9>&-   # daemonises; 9>&-: do not inherit the lock
fi

deadline=$((SECONDS + GS_SLURM_TIMEOUT))
st=""
while ((SECONDS < deadline)); do
  st="$(gs_node_state)"
  case "$st" in
    idle|mixed|allocated|completing) break ;;
    down|down\*|drain*|drained*)
      # Left DOWN/DRAIN by an earlier run (e.g. an unclean stop); bring it back.
      scontrol update NodeName="$GS_SLURM_NODE" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
case "$st" in
  idle|mixed|allocated|completing) ;;
  *)
    scontrol show node "$GS_SLURM_NODE" >&2 || true
    tail -n 20 "$state/log/slurmd.log" >&2 || true
    gs_die "node $GS_SLURM_NODE not idle after ${GS_SLURM_TIMEOUT}s (state: '${st:-unknown}'; logs in $state/log)"
    ;;
esac
print_up
