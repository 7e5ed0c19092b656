"""`python -m datadog_seats_emulator`: a real subprocess, stdout first line, SIGTERM."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from datadog_seats_emulator import seed_users, team_id_for

MODULE = "datadog_seats_emulator"
SAFETY_TIMEOUT = 60  # only so that a broken CLI fails instead of hanging the run
FLAGS = [
    "--host",
    "--port",
    "--tls",
    "--tls-dir",
    "--certificate",
    "--api-key",
    "--app-key",
    "--users",
    "--users-file",
    "--team",
    "--teams-file",
    "--product",
    "--capacity",
    "--default-capacity",
    "--assigned-ids",
    "--unknown-users",
    "--unknown-product",
    "--unassign-missing",
    "--over-capacity",
    "--max-batch",
    "--page-limit",
    "--max-page-limit",
    "--rate-limit",
    "--rate-period",
    "--fault",
]


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SEATS_EMULATOR_API_KEY", "SEATS_EMULATOR_APP_KEY")
    }
    env.update(extra)
    return env


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(SAFETY_TIMEOUT):
            raise AssertionError("the emulator printed nothing")
    return process.stdout.readline().strip()


class Cli:
    """A running emulator subprocess."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", MODULE, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.url = _first_line(self.process)

    def terminate(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=SAFETY_TIMEOUT)
        return self.process.returncode, stderr


@pytest.fixture
def cli_processes() -> Iterator[list[Cli]]:
    started: list[Cli] = []
    yield started
    for cli in started:
        if cli.process.poll() is None:
            cli.process.kill()
            cli.process.communicate()


def _start(started: list[Cli], args: list[str], env: dict[str, str] | None = None) -> Cli:
    cli = Cli(args, env if env is not None else _env())
    started.append(cli)
    return cli


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args],
        capture_output=True,
        text=True,
        env=env if env is not None else _env(),
        timeout=SAFETY_TIMEOUT,
    )


def test_cli_serves_then_exits_0_on_sigterm(cli_processes):
    cli = _start(
        cli_processes,
        ["--port", "0", "--api-key", "cli-api", "--app-key", "cli-app", "--users", "3"],
    )
    assert cli.url.startswith("http://127.0.0.1:")
    headers = {"DD-API-KEY": "cli-api", "DD-APPLICATION-KEY": "cli-app"}
    user = seed_users(3)[0]["id"]
    body = {
        "data": {
            "type": "seat-assignments",
            "attributes": {"product_code": "on_call", "user_uuids": [user]},
        }
    }
    response = requests.post(
        cli.url + "/api/v2/seats/users", json=body, headers=headers, timeout=30
    )
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["assigned_ids"] == [user]
    state = requests.get(cli.url + "/_emulator/state", timeout=30).json()
    assert state["users"] == seed_users(3)
    assert state["holders"]["on_call"] == [user]
    code, stderr = cli.terminate()
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_cli_sigint_also_exits_0(cli_processes):
    cli = _start(cli_processes, ["--api-key", "a", "--app-key", "b"])
    cli.process.send_signal(signal.SIGINT)
    cli.process.communicate(timeout=SAFETY_TIMEOUT)
    assert cli.process.returncode == 0


def test_cli_keys_from_environment(cli_processes):
    env = _env(SEATS_EMULATOR_API_KEY="env-api", SEATS_EMULATOR_APP_KEY="env-app")
    cli = _start(cli_processes, ["--port", "0"], env)
    url = cli.url + "/api/v2/seats/users"
    params = {"product_code": "on_call"}
    good = {"DD-API-KEY": "env-api", "DD-APPLICATION-KEY": "env-app"}
    assert requests.get(url, params=params, headers=good, timeout=30).status_code == 200
    assert requests.get(url, params=params, timeout=30).status_code == 403
    assert cli.terminate()[0] == 0


def test_cli_switches_and_faults(cli_processes):
    fault = json.dumps({"kind": "status", "status": 503, "nth": 1})
    cli = _start(
        cli_processes,
        [
            "--api-key", "a", "--app-key", "b", "--users", "4",
            "--capacity", "on_call=2", "--capacity", "incident_response=5",
            "--default-capacity", "1", "--assigned-ids", "new", "--unknown-users", "reject",
            "--unknown-product", "accept", "--unassign-missing", "reject",
            "--over-capacity", "partial", "--max-batch", "9", "--page-limit", "3",
            "--max-page-limit", "4", "--rate-limit", "50", "--rate-period", "30",
            "--product", "on_call", "--fault", fault,
        ],
    )  # fmt: skip
    config = requests.get(cli.url + "/_emulator/state", timeout=30).json()["config"]
    assert config == {
        "assigned_ids": "new",
        "unknown_users": "reject",
        "unknown_product": "accept",
        "known_products": ["on_call"],
        "over_capacity": "partial",
        "capacity": {"on_call": 2, "incident_response": 5},
        "default_capacity": 1,
        "unassign_missing": "reject",
        "max_batch": 9,
        "default_page_limit": 3,
        "max_page_limit": 4,
        "rate_limit": 50,
        "rate_period": 30,
    }
    headers = {"DD-API-KEY": "a", "DD-APPLICATION-KEY": "b"}
    url = cli.url + "/api/v2/seats/users"
    first = requests.get(url, params={"product_code": "on_call"}, headers=headers, timeout=30)
    assert first.status_code == 503
    second = requests.get(url, params={"product_code": "on_call"}, headers=headers, timeout=30)
    assert second.status_code == 200
    assert second.headers["X-RateLimit-Limit"] == "50"
    assert cli.terminate()[0] == 0


def test_cli_users_file(cli_processes, tmp_path):
    users = [{"id": "0b0b0b0b-0000-4000-8000-000000000001", "email": "a@x.io", "name": "A"}]
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users))
    cli = _start(cli_processes, ["--api-key", "a", "--app-key", "b", "--users-file", str(path)])
    assert requests.get(cli.url + "/_emulator/users", timeout=30).json() == {"users": users}
    assert cli.terminate()[0] == 0


def test_cli_teams_from_flags_and_file(cli_processes, tmp_path):
    users = seed_users(4)
    path = tmp_path / "teams.json"
    path.write_text(json.dumps({"teams": [{"name": "db", "members": [users[3]["id"]]}]}))
    args = ["--api-key", "a", "--app-key", "b", "--users", "4", "--teams-file", str(path)]
    cli = _start(cli_processes, [*args, "--team", "sre=2", "--team", "a=b=0"])
    teams = requests.get(cli.url + "/_emulator/teams", timeout=30).json()["teams"]
    assert [(t["id"], t["name"], t["members"]) for t in teams] == [
        (team_id_for("db"), "db", [users[3]["id"]]),
        (team_id_for("sre"), "sre", [users[0]["id"], users[1]["id"]]),
        (team_id_for("a=b"), "a=b", []),
    ]
    response = requests.get(
        f"{cli.url}/api/v2/team/{team_id_for('sre')}/memberships",
        headers={"DD-API-KEY": "a", "DD-APPLICATION-KEY": "b"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["meta"]["pagination"]["total"] == 2
    assert cli.terminate()[0] == 0


def test_cli_help_lists_every_flag_with_its_default():
    result = _run(["--help"])
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # undo argparse line wrapping
    for flag in FLAGS:
        assert f"{flag} " in text, flag
    for default in [
        "127.0.0.1",
        "0",
        "$SEATS_EMULATOR_API_KEY",
        "$SEATS_EMULATOR_APP_KEY",
        "none",
        "incident_response, on_call",
        "none; --default-capacity applies",
        "unlimited",
        "all",
        "skip",
        "reject",
        "ok",
        "1000",
        "100",
        "10000",
        "60",
        "plain http",
        "a temporary directory removed at exit",
        "valid",
    ]:
        assert f"(default: {default})" in text, default
    options = text.split("options:", 1)[1]
    assert options.count("(default: ") == len(FLAGS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-key", "b"], "SEATS_EMULATOR_API_KEY"),
        (["--api-key", "a"], "SEATS_EMULATOR_APP_KEY"),
        (["--api-key", "a", "--app-key", "b", "--host", "0.0.0.0"], "loopback"),
        (["--api-key", "a", "--app-key", "b", "--capacity", "on_call"], "PRODUCT=N"),
        (["--api-key", "a", "--app-key", "b", "--fault", '{"kind": "boom"}'], "fault"),
        (["--api-key", "a", "--app-key", "b", "--assigned-ids", "some"], "assigned-ids"),
        (["--api-key", "a", "--app-key", "b", "--max-batch", "0"], "max_batch"),
        (["--api-key", "a", "--app-key", "b", "--users", "2", "--users-file", "x"], "not allowed"),
        (["--api-key", "a", "--app-key", "b", "--team", "sre"], "NAME=N"),
        (["--api-key", "a", "--app-key", "b", "--users", "2", "--team", "sre=3"], "only 2"),
        (["--api-key", "a", "--app-key", "b", "--teams-file", "/nonexistent.json"], "nonexistent"),
        (["--api-key", "a", "--app-key", "b", "--certificate", "expired"], "need --tls"),
        (["--api-key", "a", "--app-key", "b", "--tls-dir", "/tmp"], "need --tls"),
    ],
)
def test_cli_usage_errors(args, message):
    result = _run(args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_cli_with_tls_serves_https_and_prints_its_ca(cli_processes, tmp_path):
    cli = _start(
        cli_processes,
        ["--api-key", "cli-api", "--app-key", "cli-app", "--tls", "--tls-dir", str(tmp_path)],
    )
    assert cli.url.startswith("https://127.0.0.1:")
    assert cli.process.stdout is not None
    # Read from the buffer: the URL's readline may have taken this line in already.
    ca_path = cli.process.stdout.readline().strip()
    assert ca_path == str(tmp_path / "ca.pem")
    headers = {"DD-API-KEY": "cli-api", "DD-APPLICATION-KEY": "cli-app"}
    session = requests.Session()
    session.trust_env = False  # the machine's REQUESTS_CA_BUNDLE must not decide
    with pytest.raises(requests.exceptions.SSLError):
        session.get(cli.url + "/api/v2/users", headers=headers, timeout=SAFETY_TIMEOUT)
    answer = session.get(
        cli.url + "/api/v2/users", headers=headers, verify=ca_path, timeout=SAFETY_TIMEOUT
    )
    assert answer.status_code == 200
    code, stderr = cli.terminate()
    assert code == 0
    assert f"REQUESTS_CA_BUNDLE={ca_path}" in stderr
