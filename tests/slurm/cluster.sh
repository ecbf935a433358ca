#!/usr/bin/env bash
# A one-node SLURM cluster on this host for the SLURM profile test (tests/slurm/).
#
#   tests/slurm/cluster.sh start STATE_DIR   install (Debian slurm-wlm + munge) if missing, write
#                                            STATE_DIR/slurm.conf, start munged (unless running),
#                                            slurmctld and slurmd; wait until the node is idle
#   tests/slurm/cluster.sh stop STATE_DIR    stop the daemons this script started (by their pids)
#
# The config is written to /etc/slurm/slurm.conf, where SLURM's clients look for it: the SLURM
# executor's job step drops SLURM_* variables (SLURM_CONF among them) before its inner srun, so
# a config elsewhere is not found inside jobs. An /etc/slurm/slurm.conf not written by this
# script is never overwritten (the script stops). Runs as root without systemd. No accounting
# database: job state comes from squeue (MinJobAge keeps finished jobs listed for 10 minutes,
# enough for Snakemake's SLURM executor with --slurm-status-command squeue) and every finished
# job is recorded in STATE_DIR/jobcomp.log (jobcomp/filetxt).
set -euo pipefail
# Debian installs slurmctld, slurmd, munged and runuser under /usr/sbin or /sbin, which a shell
# started without a login environment may not have on PATH (CI: PATH=/usr/local/bin:/usr/bin:/bin).
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

cmd=${1:?usage: cluster.sh start|stop STATE_DIR}
state=$(realpath -m "${2:?usage: cluster.sh start|stop STATE_DIR}")

CONF=/etc/slurm/slurm.conf
MARK="written by satcol tests/slurm/cluster.sh"

log() { echo "cluster.sh: $*" >&2; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
        && command -v sbatch >/dev/null; then
        return
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        log "slurm-wlm and munge are not installed and cannot be installed here (need root and apt-get)"
        exit 3
    fi
    log "installing slurm-wlm and munge (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 || {
        apt-get update -q >/dev/null 2>&1
        apt-get install -y -q slurm-wlm munge >/dev/null
    }
}

start() {
    install_packages
    mkdir -p "$state/ctld" "$state/spool"
    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    mem=$((mem * 9 / 10))
    if [ -e "$CONF" ] && ! grep -q "$MARK" "$CONF"; then
        log "$CONF exists and was not written by this script; not touching it"
        exit 6
    fi
    mkdir -p "$(dirname "$CONF")"
    cat >"$CONF" <<EOF
# $MARK ($state)
ClusterName=satcoltest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/jobcomp.log
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    cp "$CONF" "$state/slurm.conf"

    if ! pgrep -x munged >/dev/null; then
        mkdir -p /run/munge /var/log/munge /var/lib/munge
        chown munge:munge /run/munge /var/log/munge /var/lib/munge
        if [ ! -s /etc/munge/munge.key ]; then
            mungekey --create --keyfile=/etc/munge/munge.key
            chown munge:munge /etc/munge/munge.key
            chmod 400 /etc/munge/munge.key
        fi
        runuser -u munge -- /usr/sbin/munged
        sleep 1
        pgrep -x -u munge munged >"$state/munged.pid"
        log "munged started (pid $(cat "$state/munged.pid"))"
    fi
    munge -n | unmunge >/dev/null || { log "munge does not work"; exit 4; }

    /usr/sbin/slurmctld -i
    /usr/sbin/slurmd
    for _ in $(seq 1 60); do
        if sinfo -h -N -o "%T" 2>/dev/null | grep -qx "idle"; then
            log "cluster up: $(sinfo -h -N -o '%N %T %c CPUs %m MB')"
            return 0
        fi
        sleep 1
    done
    log "the node did not become idle; logs in $state"
    sinfo -N -l >&2 || true
    tail -20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
    exit 5
}

stop() {
    for name in slurmd slurmctld munged; do
        local f="$state/$name.pid"
        if [ -s "$f" ]; then
            local pid
            for pid in $(cat "$f"); do
                if kill "$pid" 2>/dev/null; then
                    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
                    kill -9 "$pid" 2>/dev/null || true
                    log "stopped $name (pid $pid)"
                fi
            done
            rm -f "$f"
        fi
    done
    if [ -e "$CONF" ] && grep -q "$MARK ($state)" "$CONF"; then
        rm -f "$CONF"
    fi
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) log "unknown command $cmd (start | stop)"; exit 2 ;;
esac
