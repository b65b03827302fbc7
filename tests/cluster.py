"""A real grading cluster for the tests: a Dask scheduler and worker machines on 127.0.0.1, over TLS.

Started the way an instructor starts them (`make grade-scheduler`, `make grade-worker`), each in
its own process group so that everything it started is stopped with it. A worker stands for a
machine without the course: it runs in a folder of its own, in a mount namespace of its own where
`hidden` (the folder holding the course folders) is an empty file system in memory. That needs
root (CI runs as root); elsewhere the tests that need it are skipped.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from distributed import Client

from classgrader.cluster import security
from tests.notebooks import REPO


def make(target: str, *settings: str) -> list[str]:
    return ["make", "--no-print-directory", "-C", str(REPO), target, f"PYTHON={sys.executable}", *settings]


def out_of_reach(hidden: Path, command: list[str]) -> list[str]:
    """`command` in a mount namespace where the folder `hidden` is empty (root only)."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs -o size=1m,mode=0700 hidden "$0" && exec "$@"', str(hidden), *command]


@dataclass
class Cluster:
    """A scheduler at `address` and the workers started on it, by name."""

    tls: Path
    port: int
    logs: Path
    hidden: Path | None = None
    scheduler: subprocess.Popen | None = None
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"tls://127.0.0.1:{self.port}"

    def start_scheduler(self) -> None:
        log = open(self.logs / "scheduler.log", "a")
        self.scheduler = subprocess.Popen(
            make("grade-scheduler", f"TLS={self.tls}", "HOST=127.0.0.1", f"PORT={self.port}"),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_for(lambda: (self.tls / "node-key.pem").exists() and self.answers(), "the scheduler to start")

    def start_worker(self, name: str, *settings: str, environment: dict | None = None,
                     wait: bool = True) -> subprocess.Popen:
        """A worker machine of one grading process, working in a folder of its own (its TMPDIR), every
        course folder out of its reach."""
        folder = self.logs / name
        folder.mkdir(exist_ok=True)
        command = make("grade-worker", f"SCHEDULER={self.address}", f"TLS={self.tls}", "PROCESSES=1",
                       f"NAME={name}", *settings)
        if self.hidden is not None:
            command = out_of_reach(self.hidden, command)
        log = open(self.logs / f"{name}.log", "a")
        environment = {**(environment or os.environ), "TMPDIR": str(folder)}  # its scratch and grading folders
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   env=environment)
        self.workers[name] = process
        if wait:
            self.wait_for(lambda: name in self.worker_names(), f"worker {name} to join")
        return process

    def client(self) -> Client:
        return Client(self.address, security=security(self.tls), timeout=10, set_as_default=False)

    def answers(self) -> bool:
        try:
            self.client().close()
            return True
        except OSError:
            return False

    def worker_names(self) -> dict[str, int]:
        """name -> process id of the workers connected now."""
        with self.client() as client:
            names = {address: worker["name"] for address, worker in client.scheduler_info(n_workers=-1)["workers"].items()}
            return {names[address]: pid for address, pid in client.run(os.getpid, on_error="ignore").items()
                    if address in names}

    def stop_worker(self, name: str) -> None:
        stop(self.workers.pop(name))
        self.wait_for(lambda: name not in self.worker_names(), f"worker {name} to leave")

    def stop(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            if process is not None:
                stop(process)
        self.workers.clear()
        self.scheduler = None

    @staticmethod
    def wait_for(condition, what: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    """Stop a process and everything in its process group (a worker's nanny, processes, kernels)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(30)


def descendants(pid: int) -> list[int]:
    """Every process started, directly or not, by process `pid`."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            parent = int(next(line for line in status.read_text().splitlines() if line.startswith("PPid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            continue
        children.setdefault(parent, []).append(int(status.parent.name))
    found, waiting = [], [pid]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found.append(child)
            waiting.append(child)
    return found


def is_grading(pid: int) -> bool:
    """True while worker process `pid` runs a confined kernel (it is in the middle of a submission)."""
    for child in descendants(pid):
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() == "bwrap":
                return True
        except OSError:
            continue
    return False
