"""`make demo`: the quickstart's `pulumi up` against a local Seats API emulator.

1. starts the emulator (`python -m pulumi_datadog_seats.emulator`) with five users;
2. points a local stack of the quickstart (Pulumi.yaml at the repository root) at it:
   `datadog:apiUrl`, and the emulator's keys as secrets `datadog:apiKey`/`datadog:appKey`;
3. runs `pulumi up` with the real engine, then prints the seat holders read back from
   the emulator and the stack outputs;
4. runs `pulumi destroy`, shows the seats were given back, removes the stack and stops
   the emulator, so nothing is left running.

State lives in .pulumi-demo/ (a local file backend, passphrase "demo"); no Datadog
account or internet access is needed.
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

from pulumi import automation as auto

from pulumi_datadog_seats.emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
STATE_DIR = ROOT / ".pulumi-demo"
STACK = "demo"
PASSPHRASE = "demo"
PRODUCT = "incident_response"


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def engine_root() -> Path:
    out = subprocess.run(
        [str(ROOT / "scripts" / "ensure-pulumi")],
        env={**os.environ, "PYTHON": sys.executable},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return Path(out.strip().splitlines()[-1]).parent


def run_quickstart() -> None:
    """The quickstart program, run as the Python language host would run it."""
    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")


def main() -> int:
    root = engine_root()
    api_key, app_key = secrets.token_hex(16), secrets.token_hex(20)
    emulator = EmulatorProcess(api_key, app_key, ["--users", "5"]).start()
    url, admin = emulator.url, emulator.admin
    users = [u["id"] for u in admin.state()["users"]]
    print(f"Seats API emulator at {url} with {len(users)} users", flush=True)

    backend = STATE_DIR / "state"
    backend.mkdir(parents=True, exist_ok=True)
    env = {
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "1",
        "PULUMI_PYTHON_CMD": sys.executable,
    }
    stack = auto.create_or_select_stack(
        STACK,
        project_name="seats-quickstart",
        program=run_quickstart,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(ROOT),
            env_vars=env,
            pulumi_command=auto.PulumiCommand(root=str(root)),
        ),
    )
    try:
        stack.set_all_config(
            {
                "datadog:apiUrl": auto.ConfigValue(url),
                "datadog:apiKey": auto.ConfigValue(api_key, secret=True),
                "datadog:appKey": auto.ConfigValue(app_key, secret=True),
                "productCode": auto.ConfigValue(PRODUCT),
            }
        )
        # As `pulumi config set --path 'userUuids[0]' <uuid>` would.
        stack.set_all_config(
            {f"userUuids[{i}]": auto.ConfigValue(user) for i, user in enumerate(users[:3])},
            path=True,
        )
        banner("pulumi up")
        result = stack.up(on_output=print, color="never")

        banner(f"seat holders of {PRODUCT} read back from the emulator")
        for user in admin.holders(PRODUCT):
            print(f"  {user}")
        banner("stack outputs")
        for name, output in result.outputs.items():
            print(f"  {name}: {json.dumps(output.value)}")

        banner("pulumi destroy")
        stack.destroy(on_output=print, color="never")
        print(f"\nseat holders of {PRODUCT} after destroy: {admin.holders(PRODUCT)}")
        stack.workspace.remove_stack(STACK)
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
