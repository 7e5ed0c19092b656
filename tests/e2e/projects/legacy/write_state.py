"""Write state.json, Pulumi.legacy.yaml and holders.json with the code of a checkout.

Run once, from the root of a checkout of the code whose state is wanted (with its
virtualenv and engine), to record what that code writes:

    .venv/bin/python /path/to/this/write_state.py OUT_DIR

It starts that checkout's emulator with 20 users, runs `pulumi up` of this project,
gives an on_call seat to a user no program declares (as someone would in Datadog), runs
`pulumi refresh` (so the exclusive resource records the outsider), and exports the stack.
The stack config is written as `pulumi config` wrote it (the secret list encrypted with
the passphrase below); the API URL and keys are left out, since they change per run.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from tests.e2e.harness import EmulatorProcess, Engine, Stack, copy_project, ensure_engine

HERE = Path(__file__).resolve().parent
PASSPHRASE = "e2e-passphrase"
API_KEY, APP_KEY = "legacy-api-key-0001", "legacy-app-key-0001"


def main(out_dir: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="legacy-state-"))
    engine = Engine(ensure_engine(), work / "backend", work / "home")
    engine.backend_dir.mkdir()
    emulator = EmulatorProcess(API_KEY, APP_KEY, ["--users", "20"]).start()
    try:
        users = [u["id"] for u in emulator.admin.state()["users"]]
        # Holders no program declares, before the first up.
        emulator.admin.set_holders("incident_response", users[10:12])
        emulator.admin.set_holders("on_call", [users[13]])
        project = copy_project(HERE, work / "project")
        stack = Stack(engine, project, name="legacy").init()
        stack.config({"teamA": users[0:2], "teamB": [users[2]], "onCall": users[3:5]})
        stack.config({"hidden": [users[5]]}, secret=True)
        stack.config({"datadog:apiUrl": emulator.url, "datadog-seats:backoffSeconds": "0.05"})
        stack.config({"datadog:apiKey": API_KEY, "datadog:appKey": APP_KEY}, secret=True)
        stack.up()
        emulator.admin.set_holders("on_call", [*users[3:5], users[12]])
        stack.refresh("--yes")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "state.json").write_text(stack.export())
        holders = {
            product: emulator.admin.holders(product) for product in ("incident_response", "on_call")
        }
        (out_dir / "holders.json").write_text(json.dumps(holders, indent=2) + "\n")
        stack.pulumi("config", "rm", "--stack", "legacy", "datadog:apiUrl")
        stack.pulumi("config", "rm", "--stack", "legacy", "datadog:apiKey")
        stack.pulumi("config", "rm", "--stack", "legacy", "datadog:appKey")
        shutil.copy(project / "Pulumi.legacy.yaml", out_dir / "Pulumi.legacy.yaml")
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
