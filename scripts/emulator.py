"""`make emulator` / `make emulator-stop`: a Seats API emulator in the background, for hands-on use.

    make emulator        starts `python -m datadog_seats_emulator` on a free loopback
                         port with five users and prints the `pulumi config set` commands
                         that point a stack at it (its keys, its URL, its users' UUIDs)
    make emulator TLS=1  the same over https://, with a certificate of a CA made for it:
                         also prints the `export REQUESTS_CA_BUNDLE=...` that trusts it
    make emulator-stop   stops it

What it needs to find the process again lives in .emulator/ at the repository root.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from requests import Session

from datadog_seats_emulator.control import EmulatorAdmin

ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = ROOT / ".emulator"
STATE_FILE = STATE_DIR / "emulator.json"
LOG_FILE = STATE_DIR / "emulator.log"
TLS_DIR = STATE_DIR / "tls"
START_TIMEOUT_SECONDS = 15.0


def running() -> dict[str, object] | None:
    """The recorded emulator, if its process is still alive."""
    if not STATE_FILE.exists():
        return None
    state: dict[str, object] = json.loads(STATE_FILE.read_text())
    try:
        os.kill(int(str(state["pid"])), 0)
    except (ProcessLookupError, ValueError):
        return None
    return state


def start(users: int, tls: bool = False) -> int:
    if (state := running()) is not None:
        print(f"A Seats API emulator is already running at {state['url']} (pid {state['pid']}).")
        return print_commands(state)
    STATE_DIR.mkdir(exist_ok=True)
    api_key, app_key = secrets.token_hex(16), secrets.token_hex(20)
    env = {**os.environ, "SEATS_EMULATOR_API_KEY": api_key, "SEATS_EMULATOR_APP_KEY": app_key}
    flags = ["--tls", "--tls-dir", str(TLS_DIR)] if tls else []
    with LOG_FILE.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "datadog_seats_emulator", "--port", "0",
             "--users", str(users), *flags],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    scheme, wanted = ("https://", 2) if tls else ("http://", 1)  # the URL, then the CA
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    lines: list[str] = []
    while proc.poll() is None and time.monotonic() < deadline:
        lines = [line.strip() for line in LOG_FILE.read_text().splitlines()[:wanted]]
        if len(lines) == wanted and lines[0].startswith(scheme):
            break
        time.sleep(0.1)
    if len(lines) < wanted or not lines[0].startswith(scheme):
        proc.kill()
        print(f"The emulator did not start; see {LOG_FILE}", file=sys.stderr)
        return 1
    url, ca_path = lines[0], lines[1] if tls else ""
    state = {
        "pid": proc.pid, "url": url, "ca_path": ca_path, "api_key": api_key, "app_key": app_key,
    }  # fmt: skip
    STATE_FILE.write_text(json.dumps(state))
    STATE_FILE.chmod(0o600)
    print(f"Seats API emulator running at {url} (pid {proc.pid}); stop it with: make emulator-stop")
    return print_commands(state)


def print_commands(state: dict[str, object]) -> int:
    session = Session()
    session.trust_env = False
    ca_path = str(state.get("ca_path") or "")
    if ca_path:
        session.verify = ca_path
    users = [u["id"] for u in EmulatorAdmin(str(state["url"]), session).users()]
    if ca_path:
        print("\nTrust its certificate authority, made for this emulator alone:\n")
        print(f"export REQUESTS_CA_BUNDLE={ca_path}")
    print("\nPoint a stack at it (these are the emulator's own keys, not Datadog's):\n")
    print(f"pulumi config set datadog:apiUrl {state['url']}")
    print(f"pulumi config set --secret datadog:apiKey {state['api_key']}")
    print(f"pulumi config set --secret datadog:appKey {state['app_key']}")
    for i, user in enumerate(users[:3]):
        print(f"pulumi config set --path 'userUuids[{i}]' {user}")
    print(f"\nIts users: {', '.join(users)}")
    holders = f"{state['url']}/_emulator/holders?product_code=incident_response"
    cacert = f" --cacert {ca_path}" if ca_path else ""
    print(f"Its seat holders: curl{cacert} '{holders}'")
    return 0


def stop() -> int:
    state = running()
    if state is None:
        print("No Seats API emulator is running.")
    else:
        os.kill(int(str(state["pid"])), signal.SIGTERM)
        print(f"Stopped the Seats API emulator at {state['url']} (pid {state['pid']}).")
    STATE_FILE.unlink(missing_ok=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["start"]:
        args = [a for a in argv[1:] if a != "--tls"]
        return start(int(args[0]) if args else 5, tls="--tls" in argv[1:])
    if argv[:1] == ["stop"]:
        return stop()
    print("usage: scripts/emulator.py start [USERS] [--tls] | stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
