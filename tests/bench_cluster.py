"""Benchmark: make grade on a local pool against make grade on a local Dask cluster, in one run.

    make bench-grade CLUSTER=local [ASSIGNMENT=a1_forward_pass] [COPIES=4]

One demo class (correct, partial, wrong and untouched submissions, COPIES of each), graded four
times, each into its own copy of the class and its own PostgreSQL gradebook on one throw-away
server (tests/postgres.py), so that only where the work runs differs:

1. the local pool, with as many worker processes as make grade starts by default (cores + 2);
2. a cluster on 127.0.0.1 (scheduler and one worker machine over TLS) with that many processes;
3. and 4. the cluster with one grading process, then with two.

Prints each time, the cluster's overhead per submission over the local pool (target: at most
10 %), the speed-up of two workers over one (target: at least 1.7x on 2 cores), whether every
score is the same, and what a class of 7,500 submissions costs in worker-hours at this rate.
A benchmark, not a test: it reports, it does not fail on a slow machine.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classgrader.demo import make_demo_class
from tests.browser import free_port
from tests.cluster import Cluster
from tests.postgres import another_database, postgres_server

KINDS = ["correct", "partial", "wrong", "untouched"]
TERM = 7_500  # submissions a term in a course of 1,500 students with five assignments


def grade(course: Path, assignment: str, db_url: str, *options: str) -> float:
    """Seconds `make grade` takes on the course (its own command line, as an instructor runs it)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "classgrader", assignment, "--course", str(course), "--db", db_url,
                    *options], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def scores(db_url: str, assignment: str) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gradebook:
        return {(submission.student.id, grade.name): grade.score
                for submission in gradebook.find_assignment(assignment).submissions
                for notebook in submission.notebooks for grade in notebook.grades}


def on_cluster(scratch: Path, processes: int, run) -> float:
    """Seconds `run(cluster)` takes on a fresh local cluster with one machine of `processes` workers."""
    logs = Path(tempfile.mkdtemp(prefix="cluster-", dir=scratch))
    cluster = Cluster(tls=scratch / "tls", port=free_port(), logs=logs)
    try:
        cluster.start_scheduler()
        cluster.start_worker("bench", f"PROCESSES={processes}", wait=False)
        cluster.wait_for(lambda: len(cluster.worker_names()) == processes, f"{processes} workers to join")
        return run(cluster)
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-grade CLUSTER=local", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", nargs="?", default="a1_forward_pass")
    parser.add_argument("--copies", type=int, default=4, help="submissions of each kind (4 kinds)")
    args = parser.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # nbgrader's alembic
    cores = len(os.sched_getaffinity(0))
    workers = cores + 2
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as folder, postgres_server() as server:
        scratch = Path(folder)
        template = scratch / "class"
        students = make_demo_class(args.assignment, template, args.copies, KINDS)
        count = len(students)
        runs = {"local": (None, workers), "cluster": (workers, None), "one": (1, None), "two": (2, None)}
        seconds, databases = {}, {}
        for name, (processes, local_workers) in runs.items():
            course = scratch / name
            shutil.copytree(template, course)
            databases[name] = another_database(server, f"bench_{name}")
            if processes is None:
                seconds[name] = grade(course, args.assignment, databases[name], "--workers", str(local_workers))
            else:
                seconds[name] = on_cluster(scratch, processes, lambda cluster: grade(
                    course, args.assignment, databases[name], "--cluster", cluster.address, "--tls", str(cluster.tls)))
        same = all(scores(databases[name], args.assignment) == scores(databases["local"], args.assignment)
                   for name in runs)
    overhead = (seconds["cluster"] - seconds["local"]) / count
    speed_up = seconds["one"] / seconds["two"]
    per_worker_hour = 3600 / (seconds["two"] / count * 2)  # submissions one grading process does in an hour
    print(f"{count} submissions of {args.assignment}, {cores} cores, every run with a PostgreSQL gradebook")
    print(f"local pool, {workers} workers:            {seconds['local']:6.1f} s "
          f"({seconds['local'] / count:.2f} s per submission)")
    print(f"local cluster, {workers} workers (TLS):   {seconds['cluster']:6.1f} s "
          f"({seconds['cluster'] / count:.2f} s per submission)")
    print(f"cluster overhead: {overhead * 1000:+.0f} ms per submission, "
          f"{100 * (seconds['cluster'] / seconds['local'] - 1):+.1f} % (target: at most +10 %)")
    print(f"cluster, 1 worker: {seconds['one']:6.1f} s; 2 workers: {seconds['two']:6.1f} s; "
          f"speed-up {speed_up:.2f}x (target: at least 1.7x on 2 cores)")
    print(f"a term of {TERM} submissions: {TERM / per_worker_hour:.1f} worker-hours "
          f"(one grading process on one core grades {per_worker_hour:.0f} an hour at this rate)")
    print(f"all scores identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
