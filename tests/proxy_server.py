"""A real HTTP proxy (proxy.py from PyPI) in a process of its own, for the proxy tests.

Started on a free loopback port, logging everything it does at debug level to a file the
tests read (to show that no key ever reaches it). ``basic_auth`` makes it answer 407
to requests without those credentials; ``plugins`` loads proxy.py plugins by dotted
name (see tests/proxy_plugins.py).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
#: The credentials the tests' proxy asks for (reserved characters: URL-encoded in URLs).
PROXY_USER, PROXY_PASSWORD = "seats", "pr0xy p@ss/w:rd"


@dataclass
class ProxyServer:
    """`python -m proxy` on 127.0.0.1, a free port; `stop()` ends it (idempotent)."""

    workdir: Path
    basic_auth: str | None = None
    plugins: tuple[str, ...] = ()
    port: int = 0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.workdir / "proxy.log"

    def start(self) -> ProxyServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        port_file = self.workdir / "port"
        port_file.unlink(missing_ok=True)
        argv = [
            sys.executable, "-m", "proxy", "--hostname", "127.0.0.1",
            "--port", str(self.port), "--port-file", str(port_file),
            "--num-acceptors", "1", "--num-workers", "1",
            "--log-level", "DEBUG", "--log-file", str(self.log_path),
        ]  # fmt: skip
        if self.basic_auth:
            argv += ["--basic-auth", self.basic_auth]
        if self.plugins:
            argv += ["--plugins", *self.plugins]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
        # A session of its own: proxy.py runs its acceptors in child processes, which
        # stop() ends with it.
        self._proc = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            start_new_session=True,
        )
        wait_until(
            lambda: port_file.exists() and port_file.read_text().strip() != "",
            30,
            "the proxy wrote its port",
        )
        self.port = int(port_file.read_text().split()[0])
        return self

    def stop(self) -> None:
        """End the proxy and its acceptors; return once its port refuses connections."""
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            self._proc.wait(timeout=30)
        if self.port:
            wait_until(lambda: not self._listening(), 30, "the proxy's port is closed")

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def url(self, credentials: str | None = None) -> str:
        """The proxy's URL as HTTPS_PROXY holds it, with ``user:password`` if given
        (each part URL-encoded, as users must write it)."""
        if credentials is None:
            return f"http://127.0.0.1:{self.port}"
        user, _, password = credentials.partition(":")
        return f"http://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the proxy logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tunnels(self) -> list[str]:
        """The tunnels of its access log (written when one closes): ``CONNECT host:port``."""
        return re.findall(r"access_log:\d+ - \S+ - (CONNECT \S+)", self.log())


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyServer]:
    """A proxy of the module that wants PROXY_USER and PROXY_PASSWORD."""
    server = ProxyServer(
        tmp_path_factory.mktemp("proxy"), basic_auth=f"{PROXY_USER}:{PROXY_PASSWORD}"
    ).start()
    yield server
    server.stop()
