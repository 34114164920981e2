"""Lambda workers run at a lower CPU priority than the cloud that serves them.

Why. On AWS a function and the services it calls run on different machines; here they share
the laptop's cores, and every worker is a process of its own (its own session, so a timeout
kills its whole process group). Linux schedules each session as a group of its own when
autogroup is on (the default of desktop kernels, `/proc/sys/kernel/sched_autogroup_enabled`;
https://man7.org/linux/man-pages/man7/sched.7.html, "The autogroup feature"), so sixteen
busy workers of one function weighed sixteen times as much as the cloud process, which
every one of them waits on (each AWS call, each result): measured under fifty users on 2
cores, the cloud's main thread spent 38% of the wall time runnable but waiting for a core,
a trivial request to it took 27 ms (p50), and 18% of the CPU went idle while requests
queued. With autogroup off, the same holds per task.

What. Right after a worker starts, its autogroup's nice value and its own are raised to
`WORKER_NICE` (an unprivileged process may lower the priority of its own children:
setpriority(2); writing a positive nice to /proc/<pid>/autogroup, sched(7)). Functions
still get every core the cloud does not need. `STRATUS_LAMBDA_NICE=0` turns it off (to
measure); elsewhere than Linux only the task nice applies.

Measured on 2 cores, 2026-12-02. `make bench ARGS="--only load"` run five times each way,
alternated with `STRATUS_LAMBDA_NICE=0`: fifty users 182, 182, 174, 218, 169 req/s against
134, 141, 153, 135, 170 (medians 182 vs 141, 0 errors either way). Two clouds of the same
code and data up at once, fifty-user windows of 16 s alternated: idle CPU during the run
4-8% against 14-18%; 183 vs 140, 151 vs 128, 153 vs 144, 111 vs 111 req/s (the gain
shrinks when the shared host is slow and the cores are busy either way). A cold `up`
(custom resources run in workers during it): 24-29 s both ways. With one user nothing
changes: nothing competes. The cost: a function's worker also yields to other
busy programs of the same machine (sixteen workers at nice 10 weigh about as much as two
ordinary processes, not sixteen), so under a foreign CPU load a cold start takes longer.
Chosen over a shorter scheduler slice for the cloud's thread (`sched_setattr`
`sched_runtime` 0.1 ms: no better, measured) and over workers in the cloud's own session
(uvloop cannot start a process in a new process group without a new session except
through `preexec_fn`, a fork of the whole cloud per cold start).
"""

from __future__ import annotations

import contextlib
import os

ENV = "STRATUS_LAMBDA_NICE"
WORKER_NICE = 10


def worker_nice() -> int:
    """The nice value workers run at (0: as the cloud)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return WORKER_NICE
    try:
        return max(0, min(19, int(raw)))
    except ValueError:
        return WORKER_NICE


def lower_priority(pid: int) -> None:
    """Give process `pid` (a worker just started) the workers' nice value, and its
    autogroup too; silently nothing where the system does not allow it."""
    nice = worker_nice()
    if nice <= 0:
        return
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as group:
        group.write(str(nice))
