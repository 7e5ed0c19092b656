"""Command line: `python -m datadog_seats_emulator --port 0 --users 10 ...`.

Prints the base URL as the first line of stdout (with --tls, the path of the CA's
certificate as the second), then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .server import SeatsEmulator, is_loopback_host
from .state import DEFAULT_PRODUCTS, EmulatorConfig, FaultRule, load_users, seed_users
from .teams import load_teams
from .tls import CERTIFICATES, make_tls

API_KEY_ENV = "SEATS_EMULATOR_API_KEY"
"""Environment variable read when --api-key is not given."""

APP_KEY_ENV = "SEATS_EMULATOR_APP_KEY"
"""Environment variable read when --app-key is not given."""


def _capacity(text: str) -> tuple[str, int]:
    product, sep, seats = text.partition("=")
    if not sep or not product or not seats.isdigit():
        raise argparse.ArgumentTypeError(f"expected PRODUCT=N with N >= 0, got {text!r}")
    return product, int(seats)


def _team(text: str) -> dict[str, object]:
    name, sep, count = text.rpartition("=")
    if not sep or not name or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=N with N >= 0, got {text!r}")
    return {"name": name, "count": int(count)}


def _fault(text: str) -> FaultRule:
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a fault must be a JSON object")
        return FaultRule.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(f"invalid fault {text!r}: {exc}") from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the emulator CLI; every flag's help states its default."""
    defaults = EmulatorConfig(api_key="-", app_key="-")
    parser = argparse.ArgumentParser(
        prog="python -m datadog_seats_emulator",
        description="Serve a local emulator of the Datadog Seats API (/api/v2/seats/users), "
        "with the Users (/api/v2/users) and team memberships "
        "(/api/v2/team/{team_id}/memberships) endpoints the lookups read. Prints the base URL "
        "as the first line of stdout, then serves until SIGINT/SIGTERM "
        "(exit code 0). Control endpoints live under /_emulator/.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="loopback address to listen on (default: %(default)s)")
    add("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default: 0)")
    add(
        "--tls",
        action="store_true",
        help="serve https:// with a certificate of a certificate authority made for this run; "
        "the CA's certificate (PEM) is written to --tls-dir and its path printed as the second "
        "line of stdout: trust it with REQUESTS_CA_BUNDLE=<path> (default: plain http)",
    )
    add(
        "--tls-dir",
        default=None,
        metavar="DIR",
        help="where --tls writes ca.pem (default: a temporary directory removed at exit)",
    )
    add(
        "--certificate",
        choices=CERTIFICATES,
        default="valid",
        help="with --tls, the certificate served: valid (for 127.0.0.1, ::1 and localhost), "
        "expired (the same names, expired yesterday) or wrong-host (valid, for another name "
        "only), to see how clients refuse the last two (default: %(default)s)",
    )
    add("--api-key", default=None, help=f"the DD-API-KEY to require (default: ${API_KEY_ENV})")
    add(
        "--app-key",
        default=None,
        help=f"the DD-APPLICATION-KEY to require (default: ${APP_KEY_ENV})",
    )
    users = parser.add_mutually_exclusive_group()
    users.add_argument(
        "--users",
        type=int,
        default=0,
        metavar="N",
        help="seed N deterministic known users: id uuid5(USER_NAMESPACE, 'user-<i>'), "
        "email user<i>@example.com, name 'User <i>', i from 1 (default: 0)",
    )
    users.add_argument(
        "--users-file",
        default=None,
        metavar="F.json",
        help='known users from a JSON list of {"id", "email", "name"} or {"users": [...]} '
        "(default: none)",
    )
    add(
        "--team",
        action="append",
        type=_team,
        default=[],
        metavar="NAME=N",
        help="a team whose members are the first N known users, repeatable; its id is "
        "uuid5(TEAM_NAMESPACE, NAME) (default: none)",
    )
    add(
        "--teams-file",
        default=None,
        metavar="F.json",
        help='teams from a JSON list of {"name", "id"?, "handle"?, "members": [user ids] or '
        '"count": N} or {"teams": [...]}, added before --team (default: none)',
    )
    add(
        "--product",
        action="append",
        default=None,
        metavar="CODE",
        help=f"a known product code, repeatable (default: {', '.join(DEFAULT_PRODUCTS)})",
    )
    add(
        "--capacity",
        action="append",
        type=_capacity,
        default=[],
        metavar="PRODUCT=N",
        help="seats of one product, repeatable (default: none; --default-capacity applies)",
    )
    add(
        "--default-capacity",
        type=int,
        default=None,
        metavar="N",
        help="seats of every product without --capacity (default: unlimited)",
    )
    add(
        "--assigned-ids",
        choices=["all", "new"],
        default=defaults.assigned_ids,
        help="assigned_ids lists every requested holder after the call (all) or only the "
        "newly assigned ones (new) (default: %(default)s)",
    )
    add(
        "--unknown-users",
        choices=["skip", "reject"],
        default=defaults.unknown_users,
        help="unknown user uuids are left out (skip) or fail the request with 422 (reject) "
        "(default: %(default)s)",
    )
    add(
        "--unknown-product",
        choices=["reject", "accept"],
        default=defaults.unknown_product,
        help="unknown product codes get a 422 (reject) or work (accept) (default: %(default)s)",
    )
    add(
        "--unassign-missing",
        choices=["ok", "reject"],
        default=defaults.unassign_missing,
        help="unassigning a non-holder is a 204 (ok) or a 422 (reject) (default: %(default)s)",
    )
    add(
        "--over-capacity",
        choices=["reject", "partial"],
        default=defaults.over_capacity,
        help="past capacity: 422 and nothing assigned (reject) or assign what fits in request "
        "order (partial) (default: %(default)s)",
    )
    add(
        "--max-batch",
        type=int,
        default=defaults.max_batch,
        metavar="N",
        help="most user_uuids per request (default: %(default)s)",
    )
    add(
        "--page-limit",
        type=int,
        default=defaults.default_page_limit,
        metavar="N",
        help="page[limit] when none is given (default: %(default)s)",
    )
    add(
        "--max-page-limit",
        type=int,
        default=defaults.max_page_limit,
        metavar="N",
        help="larger page[limit] values are silently capped to this (default: %(default)s)",
    )
    add(
        "--rate-limit",
        type=int,
        default=defaults.rate_limit,
        metavar="N",
        help="requests allowed per rate-limit period (default: %(default)s)",
    )
    add(
        "--rate-period",
        type=int,
        default=defaults.rate_period,
        metavar="S",
        help="rate-limit period in seconds (default: %(default)s)",
    )
    add(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="JSON",
        help="a fault rule armed at start, repeatable, e.g. "
        '\'{"kind": "status", "status": 503, "nth": 1}\' (default: none)',
    )
    return parser


def config_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> EmulatorConfig:
    """Build the config from parsed arguments; usage errors exit via `parser.error`."""
    api_key = args.api_key or os.environ.get(API_KEY_ENV)
    app_key = args.app_key or os.environ.get(APP_KEY_ENV)
    if not api_key:
        parser.error(f"missing API key: pass --api-key or set {API_KEY_ENV}")
    if not app_key:
        parser.error(f"missing application key: pass --app-key or set {APP_KEY_ENV}")
    if not is_loopback_host(args.host):
        parser.error(f"--host must be a loopback address, not {args.host!r}")
    if not args.tls and (args.tls_dir is not None or args.certificate != "valid"):
        parser.error("--tls-dir and --certificate need --tls")
    try:
        users = load_users(args.users_file) if args.users_file else seed_users(args.users)
        teams = load_teams(args.teams_file) if args.teams_file else []
        return EmulatorConfig(
            api_key=api_key,
            app_key=app_key,
            users=users,
            teams=[*teams, *args.team],
            known_products=args.product or list(DEFAULT_PRODUCTS),
            assigned_ids=args.assigned_ids,
            unknown_users=args.unknown_users,
            unknown_product=args.unknown_product,
            over_capacity=args.over_capacity,
            capacity=dict(args.capacity),
            default_capacity=args.default_capacity,
            unassign_missing=args.unassign_missing,
            max_batch=args.max_batch,
            default_page_limit=args.page_limit,
            max_page_limit=args.max_page_limit,
            rate_limit=args.rate_limit,
            rate_period=args.rate_period,
            faults=args.fault,
        )
    except (OSError, ValueError) as exc:
        parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    config = config_from_args(args, parser)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    with tempfile.TemporaryDirectory(prefix="seats-emulator-tls-") as scratch:
        tls = make_tls(Path(args.tls_dir or scratch), args.certificate) if args.tls else None
        try:
            emulator = SeatsEmulator(
                config, host=args.host, port=args.port, tls=tls.context if tls else None
            ).start()
        except OSError as exc:
            print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 1
        try:
            print(emulator.url, flush=True)
            if tls is not None:
                print(tls.ca_path, flush=True)
            trust = f"; trust its CA with REQUESTS_CA_BUNDLE={tls.ca_path}" if tls else ""
            print(
                f"seats emulator serving {emulator.url} with {len(config.users)} users "
                f"and {len(config.teams)} teams{trust}",
                file=sys.stderr,
                flush=True,
            )
            while not stop.wait(0.5):
                pass
        finally:
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
