"""A real one-node SLURM cluster on this machine, for tests (Debian slurm 22.05, no systemd).

    info = start_slurm()      # reuse a running cluster, or install/configure/start one (root only)
    ...
    stop_slurm(info)          # stop only the daemons this harness started

`start_slurm` raises `SlurmUnavailable` when no SLURM is running and we are not root (the pytest
fixture turns that into a skip). As root it

* installs `slurmctld slurmd slurm-client munge` with apt-get if they are missing
  (`apt-get update` only if the first install fails);
* writes a minimal `/etc/slurm/slurm.conf` (one node = this machine at 127.0.0.1, its usable CPUs, ~80 % of
  the memory, one default partition `debug`) unless a configuration not written by this harness is
  already there, which is then used as it is;
* creates a munge key if there is none, starts munged (as user munge), slurmctld and slurmd, waits
  until the node is idle and resumes it if it comes up down/drained.

Idempotent: daemons that are already running are reused. Every process using the cluster registers in
/run/nepsolve-slurm/ (under a file lock); the daemons started by the harness (their pids from the
/run/*.pid files) are recorded there too, and the last user to call `stop_slurm` stops exactly those.
A cluster that was running before the harness came along is never stopped.

Facts behind the configuration: /work/shared/notes/TOOLCHAIN.md ("A real one-node SLURM").
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
SLURM_CONF = Path("/etc/slurm/slurm.conf")
MUNGE_KEY = Path("/etc/munge/munge.key")
MARKER = "# written by nepsolve tests/slurm_harness.py"
PARTITION = "debug"
STATE_DIR = Path("/run/nepsolve-slurm")
# MinJobAge: how long a finished job stays visible in `squeue`. The snakemake slurm executor with
# `--slurm-status-command squeue` never sees a job finish that left squeue between two status
# checks, and it spaces its checks out to up to 180 s, so this must stay well above 180 s
# (a "small" value such as 10 s makes long snakemake runs hang).
MIN_JOB_AGE = 300

# name (as in /proc/<pid>/comm), pid file, start command
DAEMONS = [
    ("munged", Path("/run/munge/munged.pid"), ["runuser", "-u", "munge", "--", "/usr/sbin/munged"]),
    ("slurmctld", Path("/run/slurmctld.pid"), ["/usr/sbin/slurmctld"]),
    ("slurmd", Path("/run/slurmd.pid"), ["/usr/sbin/slurmd"]),
]


class SlurmUnavailable(RuntimeError):
    """No SLURM running, and we may not (or cannot) start one."""


def _run(cmd, timeout=30, check=False, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check,
                          stdin=subprocess.DEVNULL, **kw)


def _log(msg):
    print(f"[slurm_harness] {msg}", flush=True)


# --------------------------------------------------------------------------------------------------
# state queries
def _pid_alive(pid: int, name: str) -> bool:
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return False
    return comm == name[:15]


def _daemon_pid(name: str, pidfile: Path) -> int | None:
    """pid of the running daemon according to its pid file, or None."""
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _pid_alive(pid, name) else None


def _sinfo_states() -> list[str] | None:
    """Node states (`sinfo -h -o %T`), or None if no controller answers."""
    if shutil.which("sinfo") is None:
        return None
    try:
        out = _run(["sinfo", "-h", "-N", "-o", "%N %T"], timeout=15)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return out.stdout.split("\n")


def slurm_running() -> bool:
    # With our own configuration and no local slurmctld, answer at once: sinfo would retry for ~10 s.
    if (SLURM_CONF.exists() and MARKER in SLURM_CONF.read_text()
            and _daemon_pid("slurmctld", Path("/run/slurmctld.pid")) is None):
        return False
    return _sinfo_states() is not None


def _nodes() -> dict[str, str]:
    lines = _sinfo_states() or []
    nodes = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2:
            nodes[parts[0]] = parts[1]
    return nodes


def _default_partition() -> str | None:
    out = _run(["sinfo", "-h", "-o", "%P"], timeout=15)
    parts = [p.strip() for p in out.stdout.split() if p.strip()]
    for p in parts:
        if p.endswith("*"):
            return p[:-1]
    return parts[0] if parts else None


# --------------------------------------------------------------------------------------------------
# installation and configuration (root)
def _missing_packages() -> list[str]:
    need = {"slurmctld": "/usr/sbin/slurmctld", "slurmd": "/usr/sbin/slurmd",
            "slurm-client": "/usr/bin/sbatch", "munge": "/usr/sbin/munged"}
    return [p for p, f in need.items() if not os.path.exists(f)]


def _install_packages():
    missing = _missing_packages()
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise SlurmUnavailable(f"SLURM packages {missing} missing and no apt-get to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
    _log(f"apt-get install {' '.join(PACKAGES)}")
    out = _run(cmd, timeout=900, env=env)
    if out.returncode != 0:
        _log("apt-get install failed; apt-get update and retry")
        _run(["apt-get", "update", "-q"], timeout=900, env=env, check=True)
        out = _run(cmd, timeout=900, env=env)
    if out.returncode != 0 or _missing_packages():
        raise RuntimeError(f"apt-get install {PACKAGES} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def _slurm_conf_text() -> str:
    host = _run(["hostname", "-s"], check=True).stdout.strip()
    # not `nproc`: it honours OMP_NUM_THREADS (=1 in the test command) and would declare a 1-CPU node,
    # on which a 2-task job can never start (reason PartitionConfig)
    cpus = len(os.sched_getaffinity(0)) or os.cpu_count() or 1
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    real_mem = max(256, int(mem_kib / 1024 * 0.8))
    return f"""{MARKER}
# Minimal one-node cluster for the test suite; rewritten on each harness start while SLURM is down.
ClusterName=nepsolve-test
SlurmctldHost={host}(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge={MIN_JOB_AGE}
InactiveLimit=0
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={real_mem} State=UNKNOWN
PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _configure():
    SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
    if SLURM_CONF.exists() and MARKER not in SLURM_CONF.read_text():
        _log(f"using the existing {SLURM_CONF} (not written by this harness)")
    else:
        text = _slurm_conf_text()
        if not SLURM_CONF.exists() or SLURM_CONF.read_text() != text:
            SLURM_CONF.write_text(text)
            SLURM_CONF.chmod(0o644)
    for d in ["/var/spool/slurmctld", "/var/spool/slurmd", "/var/log/slurm"]:
        Path(d).mkdir(parents=True, exist_ok=True)
    for d, mode in [("/run/munge", 0o755), ("/var/lib/munge", 0o711), ("/var/log/munge", 0o700),
                    ("/etc/munge", 0o700)]:
        Path(d).mkdir(parents=True, exist_ok=True)
        shutil.chown(d, "munge", "munge")
        os.chmod(d, mode)
    if not MUNGE_KEY.exists():
        _log(f"creating {MUNGE_KEY}")
        if shutil.which("mungekey") or os.path.exists("/usr/sbin/mungekey"):
            _run(["/usr/sbin/mungekey", "--create", f"--keyfile={MUNGE_KEY}"], check=True)
        else:
            MUNGE_KEY.write_bytes(os.urandom(1024))
    shutil.chown(MUNGE_KEY, "munge", "munge")
    MUNGE_KEY.chmod(0o400)


# --------------------------------------------------------------------------------------------------
# daemons
def _start_daemon(name, pidfile, cmd) -> int | None:
    """Start `name` unless it runs already; return its pid if we started it."""
    if _daemon_pid(name, pidfile) is not None:
        return None
    pidfile.unlink(missing_ok=True)
    out = _run(cmd, timeout=60, start_new_session=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid = _daemon_pid(name, pidfile)
        if pid is not None:
            return pid
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not write a live pid to {pidfile}; see its log "
                       f"(/var/log/slurm/{name}.log or /var/log/munge/munged.log)")


def _wait_ready(timeout=30.0):
    """Poll until every node is idle/mixed/allocated; resume nodes that came up down/drained."""
    deadline = time.monotonic() + timeout
    resumed = set()
    nodes = {}
    while time.monotonic() < deadline:
        nodes = _nodes()
        if nodes and all(s.rstrip("*~#!%$@^-") in ("idle", "mixed", "allocated", "completing")
                         and not s.endswith("*") for s in nodes.values()):
            return nodes
        for node, state in nodes.items():
            if any(k in state for k in ("down", "drain", "fail")) and node not in resumed:
                _log(f"node {node} is {state}: scontrol update state=resume")
                _run(["scontrol", "update", f"nodename={node}", "state=resume"], timeout=15)
                resumed.add(node)
        time.sleep(0.25)
    raise RuntimeError(f"SLURM node(s) not idle after {timeout:.0f} s: {nodes}; "
                       "see /var/log/slurm/slurmctld.log and slurmd.log")


# --------------------------------------------------------------------------------------------------
# bookkeeping shared by all processes that use the harness
@contextmanager
def _locked():
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with open(STATE_DIR / "lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _load_state() -> dict:
    try:
        return json.loads((STATE_DIR / "state.json").read_text())
    except (OSError, ValueError):
        return {"started": {}, "users": []}


def _save_state(state: dict):
    tmp = STATE_DIR / "state.json.tmp"
    tmp.write_text(json.dumps(state))
    tmp.replace(STATE_DIR / "state.json")


def _live_users(users):
    return [u for u in users if Path(f"/proc/{u}").exists()]


def start_slurm(ready_timeout: float = 30.0, keep: bool = False) -> dict:
    """Make sure a SLURM cluster answers; start one (root) if needed. Returns an info dict:
    started (names of daemons this call started), partition, nodes, reused, seconds, user_pid.
    keep=True (the command line `start`): the daemons are not recorded, so no `stop_slurm` stops them."""
    t0 = time.monotonic()
    if os.geteuid() != 0:
        if slurm_running():
            return {"started": [], "reused": True, "partition": _default_partition(),
                    "nodes": _nodes(), "seconds": time.monotonic() - t0, "user_pid": None}
        raise SlurmUnavailable("no SLURM cluster is running and starting one needs root")
    with _locked():
        state = _load_state()
        # forget recorded daemons that are gone
        state["started"] = {n: p for n, p in state["started"].items() if _pid_alive(p, n)}
        started_now = []
        try:
            ours = SLURM_CONF.exists() and MARKER in SLURM_CONF.read_text()
            running = slurm_running()
            if running and not ours:
                _log("reusing the running SLURM cluster")
            else:
                # start whatever of munged/slurmctld/slurmd is not running (all of them on a fresh machine)
                if not running:
                    _install_packages()
                    _configure()
                for name, pidfile, cmd in DAEMONS:
                    pid = _start_daemon(name, pidfile, cmd)
                    if pid is not None:
                        if not keep:
                            state["started"][name] = pid
                        started_now.append(name)
                        _log(f"started {name} (pid {pid})")
                    if name == "munged":
                        chk = subprocess.run("munge -n | unmunge", shell=True, capture_output=True,
                                             text=True, timeout=15)
                        if chk.returncode != 0:
                            raise RuntimeError(f"munge does not work: {chk.stdout}{chk.stderr}")
                    if name == "slurmctld":
                        deadline = time.monotonic() + 20
                        while time.monotonic() < deadline:
                            if "UP" in _run(["scontrol", "ping"], timeout=15).stdout:
                                break
                            time.sleep(0.2)
            nodes = _wait_ready(ready_timeout)
        except BaseException:
            # leave nothing half-started behind: stop what this call started, then re-raise
            for name, _pidfile, _cmd in reversed(DAEMONS):
                if name in started_now:
                    pid = state["started"].pop(name, None) or _daemon_pid(name, _pidfile)
                    if pid is not None:
                        _kill(name, pid)
            _save_state(state)
            raise
        state["users"] = _live_users(state["users"]) + ([] if keep else [os.getpid()])
        _save_state(state)
    return {"started": started_now, "reused": not started_now, "partition": _default_partition(),
            "nodes": nodes, "seconds": time.monotonic() - t0, "user_pid": None if keep else os.getpid()}


def _kill(name: str, pid: int, timeout=15.0):
    if not _pid_alive(pid, name):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid, name):
            return
        time.sleep(0.1)
    if _pid_alive(pid, name):
        os.kill(pid, signal.SIGKILL)


def stop_slurm(info: dict | None):
    """Unregister this process; if it was the last user, stop the daemons the harness started
    (slurmd, slurmctld, munged in that order). Leaves a pre-existing cluster alone."""
    if not info or info.get("user_pid") is None or os.geteuid() != 0:
        return
    with _locked():
        state = _load_state()
        users = [u for u in _live_users(state["users"]) if u != info["user_pid"]]
        state["users"] = users
        if not users:
            for name, _pidfile, _cmd in reversed(DAEMONS):
                pid = state["started"].pop(name, None)
                if pid is not None:
                    _kill(name, pid)
                    _log(f"stopped {name} (pid {pid})")
        _save_state(state)


def stop_all_local():
    """Stop munged/slurmctld/slurmd of this machine by their pid files (command line `stop`)."""
    with _locked():
        for name, pidfile, _cmd in reversed(DAEMONS):
            pid = _daemon_pid(name, pidfile)
            if pid is not None:
                _kill(name, pid)
                _log(f"stopped {name} (pid {pid})")
        _save_state({"started": {}, "users": []})


if __name__ == "__main__":
    # manual use (root): python tests/slurm_harness.py start|stop|status
    #   start: start a cluster that test sessions reuse and leave running; stop: stop it (whoever started it)
    import sys
    what = sys.argv[1] if len(sys.argv) > 1 else "status"
    if what == "start":
        print(json.dumps(start_slurm(keep=True)))
    elif what == "stop":
        stop_all_local()
    else:
        print(json.dumps({"running": slurm_running(), "nodes": _nodes(), "state": _load_state()}))
