"""Benchmark: make grade on a local pool against make grade on a local Dask cluster, in one run.

    make bench-grade CLUSTER=local [ASSIGNMENT=a1_forward_pass] [COPIES=3]

A demo class (correct, partial, wrong and untouched submissions, COPIES of each) and one twice
its size, each graded in four ways, every run in its own copy of the class with its own PostgreSQL
gradebook on one throw-away server (tests/postgres.py) and, on a cluster, a new cluster:

1. the local pool, with as many worker processes as make grade starts by default (cores + 2);
2. a cluster on 127.0.0.1 (scheduler and one worker machine over TLS) with that many processes;
3. and 4. the cluster with one grading process, then with two.

What a submission costs is the difference between the two classes' times divided by the number of
submissions added: starting up (connecting, each worker process's first submission) cancels out,
as it does in a class of thousands. Prints the times, the cluster's cost per submission over the
local pool's (target: at most 10 % more), the speed-up of two workers over one (target: at least
1.7x on 2 cores), whether every score is the same, and what a term of 7,500 submissions costs in
worker-hours at this rate. A benchmark, not a test: it reports, it does not fail on a slow machine.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from classgrader.bench import benchmark_arguments
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


def timed_runs(scratch: Path, server: str, assignment: str, classes: dict[int, Path], cores: int):
    """(way, size) -> seconds, and the gradebook URL of each run."""
    ways = {"local": (None, cores + 2), "cluster": (cores + 2, None), "one": (1, None), "two": (2, None)}
    seconds, databases = {}, {}
    for way, (processes, local_workers) in ways.items():
        for size, template in classes.items():
            course, name = scratch / f"{way}-{size}", f"bench_{way}_{size}"
            shutil.copytree(template, course)
            databases[name] = db_url = another_database(server, name)
            if processes is None:
                seconds[way, size] = grade(course, assignment, db_url, "--workers", str(local_workers))
            else:
                seconds[way, size] = on_cluster(scratch, processes, lambda cluster: grade(
                    course, assignment, db_url, "--cluster", cluster.address, "--tls", str(cluster.tls)))
            print(f"  {way:8} {size:3} submissions: {seconds[way, size]:6.1f} s", flush=True)
    return seconds, databases


def main(argv: list[str] | None = None) -> int:
    args = benchmark_arguments(argv, "make bench-grade CLUSTER=local", __doc__,
                               "submissions of each kind (4 kinds) in the smaller class")
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as folder, postgres_server() as server:
        scratch = Path(folder)
        sizes = {}
        for copies in (args.copies, 2 * args.copies):
            size = len(make_demo_class(args.assignment, scratch / f"class-{copies}", copies, KINDS))
            sizes[size] = scratch / f"class-{copies}"
        small, large = sorted(sizes)
        print(f"classes of {small} and {large} submissions of {args.assignment}, {cores} cores, "
              f"PostgreSQL gradebooks")
        seconds, databases = timed_runs(scratch, server, args.assignment, sizes, cores)
        same = all(scores(url, args.assignment) == scores(databases[f"bench_local_{name.rsplit('_', 1)[1]}"],
                                                          args.assignment) for name, url in databases.items())
    each = {way: (seconds[way, large] - seconds[way, small]) / (large - small) for way in ("local", "cluster", "one",
                                                                                           "two")}
    print(f"per submission (the larger class's time less the smaller's, per submission added):")
    print(f"  local pool, {cores + 2} workers:          {each['local']:.2f} s")
    print(f"  local cluster, {cores + 2} workers (TLS): {each['cluster']:.2f} s: "
          f"{100 * (each['cluster'] / each['local'] - 1):+.1f} % over the local pool (target: at most +10 %)")
    print(f"  cluster, 1 worker: {each['one']:.2f} s; 2 workers: {each['two']:.2f} s; "
          f"speed-up {each['one'] / each['two']:.2f}x (target: at least 1.7x on 2 cores)")
    per_process_hour = 3600 / (2 * each["two"])  # one grading process, as on 2 cores with 2 workers
    print(f"a term of {TERM} submissions: {TERM / per_process_hour:.1f} worker-hours "
          f"(one grading process grades {per_process_hour:.0f} an hour at this rate)")
    print(f"all scores identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
