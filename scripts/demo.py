"""`make demo`: the quickstart's `pulumi up`, typed as a user types it, against a local emulator.

1. starts the Seats API emulator (`python -m datadog_seats_emulator`) with five users;
2. in the root project directory (Pulumi.yaml, __main__.py), runs the `pulumi` commands of
   the README's quickstart: `stack init`, `config set` of `datadog:apiUrl`, the emulator's
   keys as secrets and three user UUIDs, then `pulumi up`, with the CLI's own output;
3. prints the seat holders read back from the emulator and `pulumi stack output`;
4. runs `pulumi destroy` and `pulumi stack rm`, and stops the emulator: nothing is left.

The engine comes from scripts/ensure-pulumi; state lives in .pulumi-demo/ (a local file
backend, passphrase "demo"). No Datadog account or internet access is needed.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from datadog_seats_emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = ROOT / ".pulumi-demo"
STACK = "demo"
PRODUCT = "incident_response"


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def engine_dir() -> Path:
    """The directory scripts/ensure-pulumi prints (it builds the engine the first time)."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "ensure-pulumi")],
        env={**os.environ, "PYTHON": sys.executable},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return Path(out.strip().splitlines()[-1])


def shell_env(bin_dir: Path) -> dict[str, str]:
    """What `eval "$(scripts/ensure-pulumi --env)"` sets, plus the demo's own backend."""
    backend = STATE_DIR / "state"
    backend.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join([str(bin_dir), os.environ["PATH"]])
    return {
        **os.environ,
        "PATH": path,
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_SKIP_UPDATE_CHECK": "1",
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "demo",
        "PULUMI_HOME": str(STATE_DIR / "home"),
    }


def main() -> int:
    env = shell_env(engine_dir())

    def pulumi(*args: str, shown: str | None = None, check: bool = True) -> int:
        """Run `pulumi ARGS` at the repository root, echoing the command line first."""
        print(f"$ {shown or shlex.join(['pulumi', *args])}", flush=True)
        proc = subprocess.run(["pulumi", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise SystemExit(f"pulumi {args[0]} failed (exit {proc.returncode})")
        return proc.returncode

    api_key, app_key = secrets.token_hex(16), secrets.token_hex(20)
    emulator = EmulatorProcess(api_key, app_key, ["--users", "5"]).start()
    try:
        admin = emulator.admin
        users = [u["id"] for u in admin.state()["users"]]
        print(f"Seats API emulator at {emulator.url} with {len(users)} users", flush=True)

        banner("the quickstart, as typed at the repository root")
        # A stack left over by an interrupted demo points at an emulator that is gone.
        subprocess.run(
            ["pulumi", "stack", "rm", STACK, "--yes", "--force"],
            cwd=ROOT, env=env, capture_output=True, check=False,
        )  # fmt: skip
        pulumi("stack", "init", STACK)
        pulumi("config", "set", "datadog:apiUrl", emulator.url)
        for key, value in (("datadog:apiKey", api_key), ("datadog:appKey", app_key)):
            shown = f"pulumi config set --secret {key} <the emulator's key>"
            pulumi("config", "set", "--secret", key, value, shown=shown)
        pulumi("config", "set", "productCode", PRODUCT)
        for i, user in enumerate(users[:3]):
            pulumi("config", "set", "--path", f"userUuids[{i}]", user)
        pulumi("up", "--yes", "--color", "never")

        banner(f"seat holders of {PRODUCT} read back from the emulator")
        for user in admin.holders(PRODUCT):
            print(f"  {user}")
        banner("stack outputs")
        pulumi("stack", "output", "--json")

        banner("pulumi destroy")
        pulumi("destroy", "--yes", "--color", "never")
        print(f"\nseat holders of {PRODUCT} after destroy: {admin.holders(PRODUCT)}", flush=True)
        pulumi("stack", "rm", STACK, "--yes")
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
