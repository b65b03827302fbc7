"""The confined kernel: a student's code runs with the operating system's isolation around it.

nbgrader runs a submission by starting a Jupyter kernel and sending it the cells. Here the kernel
is started inside bubblewrap (`bwrap`), so that the student's code:

- sees only the system (/usr, /etc) and what its Python imports from (the installation, nnkit's
  and classgrader's source, wherever the environment has them), read-only; not solutions/, the
  gradebook, other students' submissions or the instructor's home;
- works in a folder of its own, WORKDIR, a small private file system in memory that vanishes with
  the kernel: nothing the student's code writes there (a file, a symbolic link) is ever seen,
  read or followed by the grader. The assignment's data files (the notebook folder's files that
  are not notebooks) are shown in it read-only;
- writes only there and in a private /tmp of a limited size that vanishes with the kernel;
- has no network (a new network namespace: the kernel talks to nbgrader over Unix sockets in a
  folder of its own, not over TCP);
- runs as an unprivileged user of its own (`setpriv`, when grading as root: a user number from
  SANDBOX_UIDS_FROM on, new for every kernel, which owns nothing, so that a limit on processes is
  one kernel's, not shared with another student's; a user namespace otherwise), with limits on
  memory, processes, file size and CPU time (`prlimit`);
- can write nothing more into the folder of its sockets (on the grader's disk) once it has made them;
- cannot outlive the grader (`--die-with-parent`), nor reach its terminal (`--new-session`).

`ConfinedKernelManager` is a Jupyter kernel manager that starts kernels this way; nbgrader uses
it through its `Execute.kernel_manager_class` option, everything else unchanged.
"""

import ast
import asyncio
import importlib.util
import itertools
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path
from urllib.parse import unquote, urlparse

import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import json_unpacker
from traitlets import Integer

from classgrader.errors import GradingError

# The users the student's code runs as, when grading as root: one per kernel, owning nothing
# (SANDBOX_UIDS_FROM + 256 x the grading process's id + the kernel's number in it, below 2**31).
SANDBOX_UIDS_FROM = 1_000_000_000
_kernel_numbers = itertools.count()
# The largest message the grader reads from a kernel: above what a cell prints in one go (60 MB of output
# in one print is graded; the graded notebook keeps a megabyte of it) and above the checker's own limit
# (wire.py, 160 MB), which refuses a larger reply itself and costs only its question (a message dropped
# here breaks its channel, and cost the next questions too).
MAX_MESSAGE_BYTES = 256 * 2**20
# The most JSON arrays and objects one part of a message from a kernel may hold: each costs the
# grader 60 bytes or more once parsed, whatever it cost the kernel to send ("[]," is three bytes).
MAX_MESSAGE_CONTAINERS = 2_000_000
# Where kernels' socket folders are made: a Unix socket's path has at most 107 bytes, which a folder
# under a deep TMPDIR (a Dask worker's own folder) leaves too little room for.
SOCKETS_UNDER = "/tmp"
# Inside a user namespace (grading as another user): "nobody".
NOBODY = 65534
TOOLS = ("bwrap", "setpriv", "prlimit")
# Top-level system folders the kernel may read; on merged-/usr systems some are symbolic links.
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
# The kernel's working folder, inside the sandbox only.
WORKDIR = "/home/student"
# What the kernel must import (the agent calls the student's code for the tests): `missing_isolation` tries.
KERNEL_IMPORTS = "nnkit, classgrader.agent, numpy"
# What makes a folder a course's: the sandbox never shows such a folder whole.
COURSE_PRIVATE = ("solutions", "gradebook.db")


@dataclass(frozen=True)
class Limits:
    """What one kernel may use. Memory is address space, so it counts what numpy reserves too."""

    memory_mb: int = 3072
    processes: int = 256
    file_mb: int = 100
    cpu_seconds: int = 600
    # The in-memory file systems: the working folder, /tmp and /dev/shm (they count as the machine's memory).
    workdir_mb: int = 256
    tmp_mb: int = 256
    shm_mb: int = 64


def readable_paths() -> list[Path]:
    """What the kernel's Python imports from: the prefixes (interpreter, virtual environment), and
    the folders outside them that the environment's site-packages send imports to (`import_folders`).

    The kernel starts clean (no PYTHONPATH) in WORKDIR, so this is all its sys.path holds. A course
    folder (one with solutions/ or a gradebook) is never among them, whatever a .pth file says.
    """
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    outside = {path for path in import_folders() if not any(path.is_relative_to(prefix) for prefix in prefixes)}
    return sorted(path for path in prefixes | outside if not holds_a_course(path))


def holds_a_course(folder: Path) -> bool:
    """Whether `folder` holds what students must never read: solutions/ or a gradebook."""
    return any((folder / name).exists() for name in COURSE_PRIVATE)


def import_folders() -> set[Path]:
    """Where the environment's site-packages send imports: the folders its .pth files add to sys.path
    and the package folders its editable finders map; an editable project's root stands for its packages."""
    roots = editable_packages()
    found = set()
    for site_folder in map(Path, site.getsitepackages()):
        for folder in pth_folders(site_folder):
            found |= roots.get(folder, {folder})
        found |= finder_folders(site_folder)
    return found


def pth_folders(site_folder: Path) -> set[Path]:
    """The existing folders that the .pth files in `site_folder` add to sys.path, read as `site` reads
    them: each line that is not blank, a comment or an `import` line (which is run, not a folder)."""
    folders = set()
    for pth in site_folder.glob("*.pth"):
        for line in pth.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip() and not line.startswith(("#", "import ", "import\t")):
                folders.add((site_folder / line.rstrip()).resolve())
    return {folder for folder in folders if folder.exists()}


def finder_folders(site_folder: Path) -> set[Path]:
    """The package folders (or modules) that setuptools' editable finders in `site_folder` map:
    the values of their MAPPING, read as data from `__editable___*_finder.py`, not run."""
    folders = set()
    for finder in site_folder.glob("__editable___*_finder.py"):
        for node in ast.parse(finder.read_text(encoding="utf-8")).body:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
            if any(isinstance(target, ast.Name) and target.id == "MAPPING" for target in targets):
                folders |= {Path(path).resolve() for path in ast.literal_eval(node.value).values()}
    return folders


def editable_packages() -> dict[Path, set[Path]]:
    """{project root: its top-level packages} of the environment's editable installs, from their
    metadata (`direct_url.json` with `dir_info.editable`, `top_level.txt`): a .pth file that lists
    a project's root (a legacy editable install) shows students those packages, not the root."""
    found = {}
    for dist in distributions(path=site.getsitepackages()):
        url = json.loads(dist.read_text("direct_url.json") or "{}")
        if url.get("dir_info", {}).get("editable") and url.get("url", "").startswith("file://"):
            root = Path(unquote(urlparse(url["url"]).path)).resolve()
            names = (dist.read_text("top_level.txt") or "").split()
            found[root] = {path for name in names for path in (root / name, root / f"{name}.py") if path.exists()}
    return found


def _system_mounts() -> list[str]:
    arguments = []
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            arguments += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            arguments += ["--ro-bind", folder, folder]
    return arguments


def _open_parents(path: Path) -> list[str]:
    """Create the folders above `path` inside the sandbox as plain 0755 folders.

    Without this bwrap copies their modes, and a Python installed under /root (mode 0700) would
    be out of the sandbox user's reach. Only the bound path is visible, not its siblings.
    """
    arguments = []
    for parent in reversed(path.parents[:-1]):  # from the top down, without "/"
        if str(parent) not in (*SYSTEM_FOLDERS, "/tmp", "/proc", "/dev"):
            arguments += ["--perms", "0755", "--dir", str(parent)]
    return arguments


def _environment() -> list[str]:
    """A clean environment: nothing of the instructor's leaks in (tokens, paths, proxies)."""
    variables = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
        "HOME": "/tmp",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        # One thread per kernel: submissions are graded side by side on all cores.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    arguments = ["--clearenv"]
    for name, value in variables.items():
        arguments += ["--setenv", name, value]
    return arguments


def sandbox_uid() -> int:
    """A user (and group) for a new kernel: one that no other kernel running now has."""
    if os.geteuid() != 0:
        return NOBODY
    return SANDBOX_UIDS_FROM + (os.getpid() << 8) + next(_kernel_numbers) % 256


def confined_processes() -> list[int]:
    """The processes running as one of the sandbox's users (grading as root), by process id."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = int(next(line for line in status.read_text().splitlines() if line.startswith("Uid:")).split()[1])
        except (OSError, StopIteration, ValueError, IndexError):
            continue
        if uid >= SANDBOX_UIDS_FROM:
            found.append(int(status.parent.name))
    return found


def _become_nobody(uid: int) -> list[str]:
    """As root: switch to the unprivileged user for good. Otherwise bwrap's user namespace does it."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs"]


def data_files(folder: Path) -> list[tuple[Path, str]]:
    """(path, path relative to `folder`) of the regular files under `folder` that are not notebooks.

    Symbolic links are not followed, nor shown.
    """
    found = []
    for parent, folders, names in os.walk(folder):  # os.walk does not enter linked folders
        for name in names:
            path = Path(parent) / name
            if path.suffix != ".ipynb" and not path.is_symlink() and path.is_file():
                found.append((path, str(path.relative_to(folder))))
    return sorted(found)


def confine(command: list[str], socket_dir: Path, limits: Limits = Limits(),
            files: list[tuple[Path, str]] = (), uid: int = NOBODY) -> list[str]:
    """The command line that runs `command` confined, in WORKDIR, talking through `socket_dir`.

    Args:
        command: the program and its arguments (for a kernel: python -m ipykernel_launcher -f ...).
        socket_dir: the folder of the kernel's connection file and Unix sockets.
        limits: memory, processes, file size, CPU time and the sizes of the in-memory folders.
        files: (path, name) of files to show read-only in WORKDIR under that name.
        uid: the user to run as, when run as root (see `sandbox_uid`).
    """
    namespaces = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        namespaces += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    # Mounts apply in order: the private /tmp first, so that folders under /tmp bound later show through.
    mounts = _system_mounts() + ["--proc", "/proc", "--dev", "/dev"]
    mounts += ["--perms", "1777", "--size", str(limits.tmp_mb * 2**20), "--tmpfs", "/tmp"]
    mounts += ["--perms", "1777", "--size", str(limits.shm_mb * 2**20), "--tmpfs", "/dev/shm"]
    for path in readable_paths():
        mounts += _open_parents(path) + ["--ro-bind", str(path), str(path)]
    mounts += _open_parents(socket_dir) + ["--bind", str(socket_dir), str(socket_dir)]
    mounts += ["--perms", "0777", "--size", str(limits.workdir_mb * 2**20), "--tmpfs", WORKDIR]
    for path, name in files:
        mounts += ["--ro-bind", str(path), f"{WORKDIR}/{name}"]
    rlimits = [
        "prlimit",
        f"--as={limits.memory_mb * 1024 * 1024}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_mb * 1024 * 1024}",
        f"--cpu={limits.cpu_seconds}",
        "--",
    ]
    return [
        "bwrap", *namespaces, *mounts, *_environment(),
        "--die-with-parent", "--new-session", "--chdir", WORKDIR, "--",
        *_become_nobody(uid), *rlimits, *command,
    ]


def hand_over(uid: int, *folders: Path) -> None:
    """Let the sandbox user write in these folders (only the folders, not the files in them)."""
    if os.geteuid() != 0:
        return
    for folder in folders:
        os.chown(folder, uid, uid)


def run_confined(command: list[str], seconds: float = 120) -> subprocess.CompletedProcess | None:
    """Run `command` confined as a kernel is (default limits, a scratch socket folder); None if it
    took over `seconds`."""
    with tempfile.TemporaryDirectory(prefix="sandbox-check-") as scratch:
        folder, uid = Path(scratch), sandbox_uid()
        hand_over(uid, folder)
        try:
            return subprocess.run(confine(command, socket_dir=folder, uid=uid), capture_output=True, text=True,
                                  timeout=seconds)
        except subprocess.TimeoutExpired:
            return None


def missing_isolation() -> str | None:
    """Why student code cannot be confined on this machine, or None if it can: tools missing,
    bubblewrap unable to set up its namespaces, or a confined Python unable to import what the kernel needs."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return (f"{', '.join(missing)} not found: install them (Debian: apt-get install bubblewrap util-linux), "
                f"or grade without isolation with UNSAFE=1")
    started = run_confined(["true"])
    if started is None or started.returncode != 0:
        why = "it did not finish within 120 s" if started is None else _last_line(started.stderr)
        allow = ("it needs CAP_SYS_ADMIN in a container (Docker: --cap-add SYS_ADMIN --security-opt "
                 "seccomp=unconfined --security-opt apparmor=unconfined)" if os.geteuid() == 0 else
                 "it needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
                 "user.max_user_namespaces > 0; Ubuntu: kernel.apparmor_restrict_unprivileged_userns=0)")
        return (f"bubblewrap cannot set up namespaces here ({why}): {allow}. "
                f"Or grade without isolation with UNSAFE=1")
    imported = run_confined([sys.executable, "-c", f"import {KERNEL_IMPORTS}"])
    if imported is None:
        return f"a confined Python did not import {KERNEL_IMPORTS} within 120 s. Grade without isolation with UNSAFE=1"
    if imported.returncode == 0:
        return None
    error = _last_line(imported.stderr)
    return (f"a confined Python starts but cannot import {KERNEL_IMPORTS}: {error}{_found_here(error)}. "
            f"The sandbox shows the system and {', '.join(map(str, readable_paths()))}: what this Python imports "
            f"from, as its site-packages say (never a course folder whole). Install what is missing into "
            f"{sys.prefix} (pip install, or pip install -e from a folder of its own), or grade without "
            f"isolation with UNSAFE=1")


def _last_line(text: str) -> str:
    """The last line of a program's error output (a traceback's error), at most 300 characters."""
    lines = text.strip().splitlines()
    return lines[-1][-300:] if lines else "no error output"


def _found_here(error: str) -> str:
    """For "No module named 'x'": where the grading process finds x, which the sandbox lacks."""
    match = re.search(r"No module named '([\w.]+)'", error)
    spec = importlib.util.find_spec(match[1].partition(".")[0]) if match else None
    if spec is None or not spec.origin:
        return ""
    return f" (here it is {Path(spec.origin).parent if spec.submodule_search_locations else spec.origin})"


def require_isolation() -> None:
    """Raise GradingError, saying what is missing, unless student code can be confined here."""
    problem = missing_isolation()
    if problem:
        raise GradingError(f"student code cannot be confined: {problem}.")


def guarded_unpack(data: bytes | str) -> object:
    """jupyter_client's JSON unpacking of one part of a message, refusing a part of more than
    MAX_MESSAGE_CONTAINERS arrays and objects before it is parsed (the message is then dropped:
    its cell fails, the grading goes on)."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if raw.count(b"[") + raw.count(b"{") > MAX_MESSAGE_CONTAINERS:
        raise ValueError(f"a message from the kernel holds more than {MAX_MESSAGE_CONTAINERS} JSON arrays and "
                         f"objects: not read")
    return json_unpacker(raw)


class ConfinedKernelManager(AsyncKernelManager):
    """A Jupyter kernel manager whose kernels run confined (see `confine`).

    The kernel's connection file and sockets live in a private folder that only the sandbox
    user and root can enter; the kernel works in WORKDIR, where the notebook folder's data files
    are shown read-only.
    """

    memory_mb = Integer(Limits.memory_mb, help="Address space of a kernel, in MB.").tag(config=True)
    processes = Integer(Limits.processes, help="Processes the sandbox user may run.").tag(config=True)
    file_mb = Integer(Limits.file_mb, help="Largest file a kernel may write, in MB.").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU time of a kernel, in seconds.").tag(config=True)
    workdir_mb = Integer(Limits.workdir_mb, help="Size of the kernel's working folder, in MB.").tag(config=True)
    tmp_mb = Integer(Limits.tmp_mb, help="Size of the kernel's /tmp, in MB.").tag(config=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._socket_dir = Path(tempfile.mkdtemp(prefix="confined-kernel-", dir=SOCKETS_UNDER))
        self.transport = "ipc"  # no network inside: Unix sockets, in the private folder
        self.ip = str(self._socket_dir / "kernel")
        self.connection_file = str(self._socket_dir / "connection.json")
        self.session.unpack = guarded_unpack  # the client shares this session, and so its unpacking

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_mb, self.processes, self.file_mb, self.cpu_seconds, self.workdir_mb, self.tmp_mb)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # Called after the connection file is written, just before the kernel starts.
        command = super().format_kernel_cmd(extra_arguments)
        # A signal would reach bwrap, not the kernel inside: interrupt (after a cell's timeout) by message.
        self.kernel_spec.interrupt_mode = "message"
        notebook_folder = Path(self._launch_args.get("cwd") or os.getcwd())
        self.uid = sandbox_uid()  # a new user for every kernel started
        if os.geteuid() == 0:
            os.chown(self.connection_file, self.uid, self.uid)
        hand_over(self.uid, self._socket_dir)
        return confine(command, socket_dir=self._socket_dir, limits=self.limits, files=data_files(notebook_folder),
                       uid=self.uid)

    def client(self, **kwargs):
        """A client of the kernel whose sockets drop any message over MAX_MESSAGE_BYTES unread: a
        kernel can send one signed message of any size, which would otherwise be parsed whole (a
        900 MB message of empty lists took a grading worker past its memory, twice: red team)."""
        client = super().client(**kwargs)
        client.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # for the sockets made from here on
        return client

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        # The kernel's own stdout and stderr (its process's, not its cells') lead nowhere: on a Dask
        # worker they would be the worker's terminal or log, open to whatever bytes the student writes.
        kw.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_post_start_kernel(self, **kw) -> None:
        await super()._async_post_start_kernel(**kw)
        await self._take_back_socket_folder()

    async def _take_back_socket_folder(self, seconds: float = 60.0) -> None:
        """Once the kernel has made its sockets, give their folder back to root: the kernel can then
        write nothing more there (it is on the grader's disk, outside the kernel's size limits)."""
        info = self.get_connection_info()
        sockets = [Path(f"{self.ip}-{info[name]}") for name in
                   ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        deadline = time.monotonic() + seconds
        while not all(path.exists() for path in sockets) and time.monotonic() < deadline and await self.is_alive():
            await asyncio.sleep(0.05)
        if os.geteuid() == 0:
            os.chown(self.connection_file, 0, 0)
            os.chown(self._socket_dir, 0, 0)
            os.chmod(self._socket_dir, 0o755)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
