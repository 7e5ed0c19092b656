"""The emulator in a process of its own, as the e2e tests and `make demo` run it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field

from requests import Session

from .control import EmulatorAdmin


@dataclass
class EmulatorProcess:
    """`python -m datadog_seats_emulator` in its own process.

    The keys go through the environment, so they never appear in `ps`. With `--tls` among
    `extra_args` it serves https://, and `ca_path` is the certificate of its CA.
    """

    api_key: str
    app_key: str
    extra_args: list[str] = field(default_factory=list)
    url: str = ""
    ca_path: str = ""
    _proc: subprocess.Popen[str] | None = None

    def start(self) -> EmulatorProcess:
        """Start it on a free loopback port and read its URL from its first line."""
        env = {
            **os.environ,
            "SEATS_EMULATOR_API_KEY": self.api_key,
            "SEATS_EMULATOR_APP_KEY": self.app_key,
        }
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "datadog_seats_emulator",
                "--port",
                "0",
                *self.extra_args,
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        scheme = "https" if "--tls" in self.extra_args else "http"
        if not self.url.startswith(f"{scheme}://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the emulator did not start (first line: {self.url!r})")
        if scheme == "https":
            self.ca_path = self._proc.stdout.readline().strip()
        return self

    def stop(self) -> None:
        """Terminate it and wait for it to exit."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=10)

    @property
    def admin(self) -> EmulatorAdmin:
        """A client of its control endpoints: direct (never through a proxy of the
        environment), trusting the emulator's CA when it serves https://."""
        session = Session()
        session.trust_env = False
        if self.ca_path:
            session.verify = self.ca_path
        return EmulatorAdmin(self.url, session)
