"""Shared helpers for the browser tests: Debian's Chromium driven by Playwright, and local servers.

Playwright's own browser download cannot work on the course machines, so the tests launch the
system's /usr/bin/chromium. Where it is missing, the browser tests are skipped with the command
that installs it, except under CI (CI=true), where a missing browser is a failure.
"""

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Flags for a quiet headless Chromium on a machine without network: no background requests,
# no sandbox (the tests may run as root), no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip (locally) or fail (under CI) when Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install it with `sudo apt-get install chromium` to run the browser tests."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def chromium_browser() -> Iterator["object"]:
    """A headless Chromium, closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        pass


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 at a free port; yields the base URL; stops the server after."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def jupyter_lab_server(command: list[str], folder: Path, env: dict[str, str], port: int, token: str,
                       log_path: Path) -> Iterator[None]:
    """JupyterLab started with ``command`` in ``folder``, until its status page answers on 127.0.0.1:port;
    stopped afterwards. Its output goes to ``log_path``, shown if it does not come up."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/api/status?token={token}", server, log_path)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def wait_until_up(url: str, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Wait until ``url`` answers; fail with the end of the log if the server exits or stays silent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {seconds} s:\n{log.read_text()[-3000:]}")
