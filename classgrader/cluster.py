"""Grading on a Dask cluster: a scheduler, workers on any number of machines, and `ClusterPool`.

    python -m classgrader.cluster scheduler [--tls FOLDER] [--host HOST] [--port 8786]
    python -m classgrader.cluster worker tls://HOST:8786 [--tls FOLDER] [--processes N] [--unsafe]

`scheduler` makes the course's certificates (`certificates`) if there are none and starts Dask's
scheduler with them; `worker` checks that student code can be confined on this machine (or was
told --unsafe) and runs Dask's worker processes, one grading thread each, until stopped (they
are started again when they end, as they do when the scheduler is gone). Both speak only TLS,
with both ends checked against the course's authority. The grading command connects with
`connect` and hands its tasks to a `ClusterPool`, which has the local pool's `run`.

What a lost machine costs is Dask's to handle: a task whose worker died is run again on another,
and a task on which ALLOWED_FAILURES + 1 workers died comes back as `KilledWorker`, reported for
that submission only. A lost scheduler cancels every task: the command stops with one line, and
running it again grades what is missing.
"""

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from distributed import Client, KilledWorker, wait
from distributed.client import FuturesCancelledError
from distributed.security import Security

from classgrader import certificates, parcel
from classgrader.environment import environment_version
from classgrader.errors import GradingError
from classgrader.pool import Task, WorkerDied, ended_by

# Workers that may die under one task before it is given up: one death, and one more try elsewhere
# (as the local pool does).
ALLOWED_FAILURES = 1
# How long the command waits for the scheduler to answer, and for a first worker to join (seconds).
CONNECT_SECONDS = 10
WORKERS_SECONDS = 60
# How often the command looks at the scheduler while it waits for results (seconds).
WATCH_SECONDS = 1.0
# Tasks handed to the scheduler ahead of the workers, per worker: enough to keep every worker busy,
# few enough that a class of thousands is not held in memory all at once.
AHEAD_PER_WORKER = 2
# How long `make grade-worker` waits before starting its workers again once they ended (seconds).
RESTART_SECONDS = 5.0
DEFAULT_TLS = "cluster-tls"
# Dask's settings for the grading cluster's processes:
# - no web pages: Dask serves its status pages (workers, their logs, the call stack of a grading) over
#   plain HTTP to anyone who asks, whatever the TLS settings; with no routes and on 127.0.0.1 only,
#   nothing of the cluster is readable without the certificates;
# - each worker holds only the task it runs (a saturation of 1 task per thread): Dask counts a
#   worker's death against every task it holds, so a submission that kills its worker would otherwise
#   use up the tries of the one queued behind it, an honest classmate's (red team);
# - workers do not sample their tasks for a dashboard (every 10 ms, and the GIL every 1 ms).
NO_WEB_PAGES = {"DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES": "[]", "DASK_DISTRIBUTED__WORKER__HTTP__ROUTES": "[]"}
SCHEDULER_SETTINGS = {**NO_WEB_PAGES, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(ALLOWED_FAILURES),
                      "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
WORKER_SETTINGS = {**NO_WEB_PAGES, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
                   "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__GIL__ENABLED": "False"}
LOOPBACK_ONLY = ["--dashboard-address", "127.0.0.1:0"]


def security(folder: Path) -> Security:
    """Dask's settings for mutual TLS with the course's certificates in `folder`."""
    files = certificates.check(folder)
    return Security(tls_ca_file=str(files["ca"]), tls_client_cert=str(files["cert"]),
                    tls_client_key=str(files["key"]), require_encryption=True)


def tls_arguments(folder: Path) -> list[str]:
    """The command-line options of `dask scheduler` and `dask worker` for the same certificates."""
    files = certificates.check(folder)
    return ["--tls-ca-file", str(files["ca"]), "--tls-cert", str(files["cert"]), "--tls-key", str(files["key"])]


def quiet_dask() -> None:
    """Dask's client logs each lost connection with a traceback; the command says what happened itself."""
    for name in ("distributed", "distributed.client", "distributed.comm", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def connect(address: str, tls_folder: Path, workers_seconds: float = WORKERS_SECONDS) -> Client:
    """A client of the scheduler at `address`, once a worker has joined and every worker's environment
    is this one's; GradingError with one clear line otherwise."""
    if not address.startswith("tls://"):
        raise GradingError(f"CLUSTER={address}: the cluster is reached over TLS only; give the address that "
                           f"make grade-scheduler printed (tls://host:port).")
    quiet_dask()
    settings = security(tls_folder)
    try:
        client = Client(address, security=settings, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise GradingError(f"the scheduler at {address} cannot be reached ({str(error).splitlines()[0]}): is make "
                           f"grade-scheduler running there, is the port open, and are the certificates in "
                           f"{tls_folder} the ones it was started with?") from None
    try:
        client.wait_for_workers(1, timeout=workers_seconds)
    except TimeoutError:
        client.close()
        raise GradingError(f"no grading worker joined the scheduler at {address} within {workers_seconds:.0f} s: "
                           f"start some with make grade-worker SCHEDULER={address} TLS=<the certificates' "
                           f"folder>.") from None
    except OSError as error:  # the scheduler lost while waiting
        client.close()
        raise GradingError(f"the scheduler at {address} was lost while waiting for workers "
                           f"({str(error).splitlines()[0]}): start it again, then run make grade again.") from None
    check_environments(client)
    return client


def check_environments(client: Client) -> None:
    """GradingError naming the first worker whose environment is not this one's."""
    here = environment_version()
    for address, version in client.run(environment_version, on_error="ignore").items():
        if version != here:
            client.close()
            raise GradingError(parcel.describe_mismatch(here, version, address))


class ClusterPool:
    """The local pool's `run`, on a Dask cluster.

    Each task is packed by the courier into one that carries what it needs (`parcel`), and each
    result unpacked into the course folder before it is yielded. Tasks go to the scheduler a few
    at a time ahead of the workers.
    """

    def __init__(self, client: Client, courier: parcel.Courier) -> None:
        self.client, self.courier = client, courier
        self.address = client.scheduler.address

    @property
    def workers(self) -> int:
        """The workers connected now."""
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def run(self, tasks: list[Task], before_retry: Callable[[int], None] | None = None) -> Iterator[Any]:
        """See `pool.Pool.run`. Dask runs a task again itself when its worker dies; a dead try leaves
        nothing in the course folder (the command writes only what comes back), so `before_retry`
        has nothing to clear."""
        waiting, running, started = deque(range(len(tasks))), {}, {}
        run_id = uuid.uuid4().hex[:8]
        try:
            while waiting or running:
                ahead = AHEAD_PER_WORKER * max(self.workers, 1)
                while waiting and len(running) < ahead:
                    index = waiting.popleft()
                    function, arguments = self.courier.pack(tasks[index])
                    future = self.client.submit(function, *arguments, key=f"grade-{run_id}-{index}", pure=False)
                    running[future], started[index] = index, time.perf_counter()
                for future in self.finished(list(running)):
                    index = running.pop(future)
                    yield self.result(future, index, time.perf_counter() - started[index])
        finally:
            for future in running:
                future.release()

    def finished(self, futures: list) -> list:
        """The futures that are done, after waiting up to WATCH_SECONDS for one; GradingError if the
        scheduler is gone."""
        try:
            with self.client.as_current():  # `wait` asks for the client it waits on
                done, _ = wait(futures, timeout=WATCH_SECONDS, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        except (FuturesCancelledError, OSError):
            done = {future for future in futures if future.cancelled()}
        if self.client.status != "running" or any(future.cancelled() for future in done):
            raise GradingError(f"the scheduler at {self.address} is gone (the connection to it was lost). The "
                               f"gradings that finished are kept: start the scheduler again and run make grade "
                               f"again to grade the others.")
        return sorted(done, key=lambda future: future.key)

    def result(self, future, index: int, seconds: float) -> Any:
        """A finished task's outcome, unpacked into the course folder; WorkerDied if it killed its workers."""
        if future.status == "finished":
            return self.courier.unpack(future.result())
        error = future.exception()
        if isinstance(error, KilledWorker):
            return WorkerDied(index, f"{ALLOWED_FAILURES + 1} grading workers died running it", seconds)
        if isinstance(error, parcel.EnvironmentMismatch):  # a worker that joined after the check at connect
            raise GradingError(f"{error.args[0]}. The gradings that finished are kept.")
        raise error


def dask_setup(worker) -> None:
    """Dask's preload hook, run as each worker process starts: refuse to start where student code
    cannot be confined (unless the worker was started with --unsafe), and import nbgrader now, so
    that the first submission does not wait for it (as the local pool's forked workers do not)."""
    parcel.confinement()
    # Everything grading writes (the kit's course folder with the hidden tests, staged submissions,
    # kernels' socket folders) goes into the worker's own folder, which Dask removes when the worker
    # ends and, after a kill, when the next worker starts on this machine.
    tempfile.tempdir = worker.local_directory
    import nbgrader.apps.api  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401


def start_scheduler(args: argparse.Namespace) -> int:
    """Make the certificates if there are none, say how to use the scheduler, and run it."""
    folder = args.tls.resolve()
    if not all(path.is_file() for path in certificates.paths(folder).values()):
        certificates.create(folder)
        print(f"Made the cluster's certificates in {folder}: copy that folder to each grading machine.")
    host = args.host if args.host not in ("", "0.0.0.0") else socket.getfqdn()
    address = f"tls://{host}:{args.port}"
    print(f"Scheduler: {address}\n"
          f"  on each grading machine: make grade-worker SCHEDULER={address} TLS=<copy of {folder}>\n"
          f"  then grade:              make grade ASSIGNMENT=<name> CLUSTER={address} TLS={folder} "
          f"DB=postgresql+psycopg2://…", flush=True)
    environment = {**os.environ, **SCHEDULER_SETTINGS}
    command = [str(Path(sys.executable).parent / "dask"), "scheduler", "--protocol", "tls", "--host",
               args.host, "--port", str(args.port), "--no-dashboard", *LOOPBACK_ONLY, *tls_arguments(folder)]
    os.execve(command[0], command, environment)


def start_worker(args: argparse.Namespace) -> int:
    """Check confinement here, then run Dask's worker processes, each grading one submission at a time."""
    environment = dict(os.environ)
    if args.unsafe:
        environment[parcel.UNSAFE_VARIABLE] = "1"
        print("make grade-worker: UNSAFE=1: student code graded here runs unconfined, and the report says so.",
              file=sys.stderr)
    else:
        environment.pop(parcel.UNSAFE_VARIABLE, None)
        from classgrader import sandbox
        sandbox.require_isolation()
    environment.update(WORKER_SETTINGS)
    processes = args.processes or len(os.sched_getaffinity(0)) + 2
    command = [str(Path(sys.executable).parent / "dask"), "worker", args.scheduler, "--nthreads", "1",
               "--nworkers", str(processes), "--no-dashboard", *LOOPBACK_ONLY, "--preload", "classgrader.cluster",
               *tls_arguments(args.tls.resolve())]
    if args.name:
        command += ["--name", args.name]
    return serve(command, environment)


def serve(command: list[str], environment: dict[str, str]) -> int:
    """Run Dask's worker processes until stopped (Ctrl-C, SIGTERM). They end when the scheduler is
    gone: start them again, so that they join the scheduler once it is back."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))
    while True:
        process = subprocess.Popen(command, env=environment)
        try:
            code = process.wait()
        except (KeyboardInterrupt, SystemExit):
            process.terminate()
            process.wait()
            return 0
        print(f"make grade-worker: the workers ended ({ended_by(code)}; the scheduler gone?): starting them again in "
              f"{RESTART_SECONDS:.0f} s. Ctrl-C stops.", file=sys.stderr, flush=True)
        time.sleep(RESTART_SECONDS)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m classgrader.cluster", description=__doc__.split("\n\n")[0])
    roles = parser.add_subparsers(dest="role", required=True)
    scheduler = roles.add_parser("scheduler", help="start the cluster's scheduler (make grade-scheduler)")
    scheduler.add_argument("--host", default="0.0.0.0", help="the address to listen on (default: every one)")
    scheduler.add_argument("--port", type=int, default=8786)
    worker = roles.add_parser("worker", help="start grading workers on this machine (make grade-worker)")
    worker.add_argument("scheduler", help="the scheduler's address, tls://host:port")
    worker.add_argument("--processes", type=int, help="grading processes (default: cores + 2, as make grade)")
    worker.add_argument("--name", help="a name for these workers (default: their address)")
    worker.add_argument("--unsafe", action="store_true", help="grade without confinement (the report says so)")
    for role in (scheduler, worker):
        role.add_argument("--tls", type=Path, default=Path(DEFAULT_TLS), help="the certificates' folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return start_scheduler(args) if args.role == "scheduler" else start_worker(args)
    except GradingError as error:
        print(f"make grade-{args.role}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
