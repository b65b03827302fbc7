"""A throw-away PostgreSQL server for the tests: started in a temporary folder, always removed.

nbgrader's gradebook can live in any database SQLAlchemy speaks to, and a course with many
graders may keep it in PostgreSQL. The test of that starts its own server with PostgreSQL's
`initdb` and `pg_ctl`, listening only on 127.0.0.1 at a free port, and stops it afterwards.
Where PostgreSQL is not installed, the test is skipped with the command that installs it,
except under CI (CI=true), where a missing PostgreSQL is a failure.

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the
`postgres` system user (or `nobody` where there is none).
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.browser import free_port

SUPERUSER = "grader"
DATABASE = "gradebook"
# Settings for a server that lives for one test: reachable only from this machine, its Unix
# socket in the temporary folder, and no waiting for the disk (the data is thrown away).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def debian_version(folder: Path) -> int:
    """The major version of a Debian server folder /usr/lib/postgresql/<version>/bin."""
    name = folder.parent.name
    return int(name) if name.isdigit() else 0


def server_binaries() -> Path | None:
    """The folder holding `initdb` and `pg_ctl`: found on PATH, or Debian's newest version."""
    folders = []
    on_path = shutil.which("initdb")
    if on_path:
        folders.append(Path(on_path).resolve().parent)
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=debian_version, reverse=True)
    for folder in folders:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def require_postgres() -> Path:
    """The server binaries' folder; skip (locally) or fail (under CI) when PostgreSQL is missing."""
    folder = server_binaries()
    if folder:
        return folder
    message = "PostgreSQL is not installed: install it with `sudo apt-get install postgresql` to run the PostgreSQL gradebook test."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def server_user() -> pwd.struct_passwd | None:
    """The unprivileged user the server runs as when the tests run as root; None otherwise."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise AssertionError("the tests run as root, but no `postgres` or `nobody` user exists to run PostgreSQL as")


def as_user(user: pwd.struct_passwd | None, command: list[str]) -> list[str]:
    """The command, run as ``user`` if given (with that user's groups, as a login would)."""
    if user is None:
        return command
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", *command]


def run_as(user: pwd.struct_passwd | None, folder: Path, command: list[str]) -> subprocess.CompletedProcess:
    """Run a PostgreSQL command in ``folder``, as ``user`` if given, and return its result."""
    return subprocess.run(as_user(user, command), cwd=folder, capture_output=True, text=True, timeout=120)


def check(result: subprocess.CompletedProcess) -> None:
    """Fail the test with the command's output if it failed."""
    assert result.returncode == 0, f"{' '.join(result.args)} failed:\n{result.stdout}\n{result.stderr}"


def wait_until_ready(port: int, seconds: float = 60) -> None:
    """Wait until the server on ``port`` accepts connections."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg2.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", connect_timeout=2).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def create_database(port: int, name: str = DATABASE) -> str:
    """Create an empty database for a gradebook; return its SQLAlchemy URL."""
    connection = psycopg2.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres")
    try:
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
    finally:
        connection.close()
    return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{port}/{name}"


def another_database(url: str, name: str) -> str:
    """A new empty database on the server of the gradebook at `url`; its URL."""
    return create_database(int(url.rsplit(":", 1)[1].split("/")[0]), name)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server with an empty database; yields its SQLAlchemy URL.

    The server and its folder are removed afterwards, even when the test fails.
    """
    binaries = require_postgres()
    initdb, pg_ctl = str(binaries / "initdb"), str(binaries / "pg_ctl")
    user = server_user()
    # Under /tmp and owned by the server's user, so that it can reach the folder whatever the
    # tests' own temporary folder is.
    folder = Path(tempfile.mkdtemp(prefix="nnkit-postgres-", dir="/tmp"))
    data = folder / "data"
    port = free_port()
    try:
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        check(run_as(user, folder, [initdb, "--pgdata", str(data), "--username", SUPERUSER, "--auth", "trust",
                                    "--encoding", "UTF8", "--no-locale", "--no-sync"]))
        settings = {**SETTINGS, "port": str(port), "unix_socket_directories": f"'{folder}'"}
        with open(data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        # The server writes to its log file, never to pg_ctl's output, which the test reads to its end.
        log = folder / "server.log"
        started = run_as(user, folder, [pg_ctl, "start", "--pgdata", str(data), "--log", str(log), "--wait"])
        if started.returncode != 0:
            server_said = log.read_text() if log.exists() else ""
            raise AssertionError(f"PostgreSQL did not start:\n{started.stderr}\n{server_said}")
        wait_until_ready(port)
        yield create_database(port)
    finally:
        stopped = run_as(user, folder, [pg_ctl, "stop", "--pgdata", str(data), "--mode", "immediate", "--wait"])
        still_running = (data / "postmaster.pid").exists()
        shutil.rmtree(folder, ignore_errors=True)
        if still_running:
            check(stopped)  # a server that would not stop: say so rather than leave it unnoticed
