"""HTTP layer of the emulator: thin routes over `SeatsState`, served by ThreadingHTTPServer.

API routes: `/api/v2/seats/users` (GET, POST, DELETE), `/api/v2/users` (GET) and
`/api/v2/team/{team_id}/memberships` (GET). Every /api/ request goes through the same
faults, rate limit, key check and request log.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from .seats import SEATS_PATH
from .state import ApiError, EmulatorConfig, FaultRule, SeatsState
from .teams import TEAM_MEMBERSHIPS_PATH
from .users import USERS_PATH

__all__ = ["API_PATH", "CONTROL_PREFIX", "SeatsEmulator", "is_loopback_host"]

API_PATH = SEATS_PATH
"""The path of the Seats API (the emulator also serves users and team memberships)."""

CONTROL_PREFIX = "/_emulator/"
"""Prefix of the control endpoints (no keys needed)."""

_SEATS_METHODS = ("GET", "POST", "DELETE")


def is_loopback_host(host: str) -> bool:
    """Whether `host` is "localhost" or a loopback IP address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its state and its open connections."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        state: SeatsState,
        family: socket.AddressFamily,
        tls: ssl.SSLContext | None = None,
    ):
        self.address_family = family
        self.state = state
        self.tls = tls
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection; with TLS, its handshake happens in the handler's thread."""
        connection, address = super().get_request()
        if self.tls is not None:
            connection = self.tls.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        return connection, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up or refuse the certificate; report anything
        else."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut down every open keep-alive connection."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Reply:
    """A response to send: status, JSON payload (None: no body) and extra headers."""

    def __init__(
        self, status: int, payload: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.payload = payload
        self.headers = headers or {}


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"errors": [message]})


class _Handler(BaseHTTPRequestHandler):
    """Parses one request at a time and dispatches to the API or control routes."""

    protocol_version = "HTTP/1.1"
    server_version = "SeatsEmulator/1.0"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    @property
    def _state(self) -> SeatsState:
        return cast(_Server, self.server).state

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.connections.add(self.connection)

    def finish(self) -> None:
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """No per-request logging."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    # ----- plumbing ---------------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        """The request body, or None when its length cannot be known."""
        if self.headers.get("Transfer-Encoding"):
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.isdigit():
            return None
        return self.rfile.read(int(length))

    def _send(self, reply: _Reply) -> None:
        body = b"" if reply.payload is None else json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.status != 204:
            self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        path = split.path
        query: dict[str, str] = {}
        for name, value in parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(name, value)
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(_error(400, "a Content-Length body is required"))
            return
        if path.startswith("/api/"):
            self._serve_api(path, query, body)
        elif path.startswith(CONTROL_PREFIX):
            self._send(self._serve_control(path, query, body))
        else:
            self._send(_error(404, "Not found"))

    # ----- the API ----------------------------------------------------------------------

    def _serve_api(self, path: str, query: dict[str, str], body: bytes) -> None:
        received = time.time()
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        entry: dict[str, Any] = {
            "time": received,
            "method": self.command,
            "path": path,
            "query": query,
            "body": parsed,
            "user_agent": self.headers.get("User-Agent", ""),
        }
        admission = self._state.admit(self.command)
        fault = admission.fault
        if fault is not None and fault.kind == "drop":
            self._state.record_request(
                {**entry, "status": "dropped", "duration": 0.0}, admission.epoch
            )
            self._drop()
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay_seconds)
            if not self._state.is_current(admission.epoch):
                # Reset while held: acting now would change (and log into) the new state.
                self._send(_error(503, "The emulator was reset while this request was held."))
                return
        try:
            reply = self._api_reply(path, query, body, admission.limited, fault)
        except Exception as exc:  # an emulator bug: answer 500 rather than hang up
            reply = _error(500, f"emulator error: {exc!r}")
        reply.headers.update(admission.headers)
        duration = time.time() - received
        self._state.record_request(
            {**entry, "status": reply.status, "duration": duration}, admission.epoch
        )
        self._send(reply)

    def _api_reply(
        self,
        path: str,
        query: dict[str, str],
        body: bytes,
        limited: bool,
        fault: FaultRule | None,
    ) -> _Reply:
        if fault is not None and fault.kind == "status":
            return _error(fault.status, "Injected fault")
        if (fault is not None and fault.kind == "rate_limit") or limited:
            return _error(429, "Too many requests")
        keys_ok = self._state.check_keys(
            self.headers.get("DD-API-KEY"), self.headers.get("DD-APPLICATION-KEY")
        )
        if not keys_ok:
            return _error(403, "Forbidden")
        if path == SEATS_PATH:
            return self._seats_reply(query, body)
        team = TEAM_MEMBERSHIPS_PATH.match(path)
        if path != USERS_PATH and team is None:
            return _error(404, "Not found")
        if self.command != "GET":
            return _Reply(405, {"errors": ["Method not allowed"]}, {"Allow": "GET"})
        try:
            if team is None:
                return _Reply(200, self._state.list_users(query))
            scheme = "https" if cast(_Server, self.server).tls is not None else "http"
            base_url = f"{scheme}://{self.headers.get('Host') or '127.0.0.1'}"
            team_id = unquote(team["team_id"])
            page = self._state.list_team_memberships(team_id, query, base_url, path)
            return _Reply(200, page)
        except ApiError as exc:
            return _error(exc.status, exc.message)

    def _seats_reply(self, query: dict[str, str], body: bytes) -> _Reply:
        if self.command not in _SEATS_METHODS:
            return _Reply(
                405, {"errors": ["Method not allowed"]}, {"Allow": ", ".join(_SEATS_METHODS)}
            )
        try:
            if self.command == "GET":
                page = self._state.list_seat_users(
                    query.get("product_code"), query.get("page[limit]"), query.get("page[cursor]")
                )
                return _Reply(200, page)
            try:
                document = json.loads(body)
            except ValueError:
                return _error(400, "malformed JSON body")
            if self.command == "POST":
                return _Reply(201, self._state.assign(document))
            self._state.unassign(document)
            return _Reply(204)
        except ApiError as exc:
            return _error(exc.status, exc.message)

    # ----- control endpoints ------------------------------------------------------------

    def _serve_control(self, path: str, query: dict[str, str], body: bytes) -> _Reply:
        name = path[len(CONTROL_PREFIX) :].strip("/")
        routes = _CONTROL_ROUTES.get(name)
        if routes is None:
            return _error(404, "Not found")
        route = routes.get(self.command)
        if route is None:
            return _Reply(405, {"errors": ["Method not allowed"]}, {"Allow": ", ".join(routes)})
        try:
            document: Any = json.loads(body) if body.strip() else {}
        except ValueError:
            return _error(400, "malformed JSON body")
        try:
            return route(self._state, query, document)
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))


_ControlRoute = Callable[[SeatsState, dict[str, str], Any], _Reply]


def _require_object(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ValueError("body must be a JSON object")
    return document


def _reset(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    state.reset()
    return _Reply(200, {"ok": True})


def _get_state(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, state.snapshot())


def _get_users(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, {"users": state.users()})


def _set_users(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    body = _require_object(document)
    if "count" in body:
        count = body["count"]
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValueError(f"count must be an integer, got {count!r}")
        return _Reply(200, {"users": state.set_users(count)})
    if "users" in body:
        return _Reply(200, {"users": state.set_users(body["users"])})
    raise ValueError('body must be {"users": [...]} or {"count": N}')


def _set_user_status(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    body = _require_object(document)
    user_ids = body.get("user_ids")
    if not isinstance(user_ids, list) or not all(isinstance(u, str) for u in user_ids):
        raise ValueError("user_ids must be a list of user ids")
    status = body.get("status")
    if not isinstance(status, str):
        raise ValueError("status must be one of Active, Pending, Disabled")
    return _Reply(200, {"users": state.set_user_status(user_ids, status)})


def _get_teams(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, {"teams": state.teams()})


def _set_teams(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    body = _require_object(document)
    if "teams" in body:
        return _Reply(200, {"teams": state.set_teams(body["teams"])})
    if "team" in body:
        team = body["team"]
        if not isinstance(team, dict):
            raise ValueError("team must be an object")
        return _Reply(200, {"team": state.put_team(team), "teams": state.teams()})
    raise ValueError('body must be {"teams": [...]} (replace all) or {"team": {...}} (add one)')


def _get_config(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, state.config.switches())


def _set_config(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, state.configure(_require_object(document)).switches())


def _get_holders(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    product_code = query.get("product_code")
    if product_code:
        return _Reply(
            200, {"product_code": product_code, "user_uuids": state.holders(product_code)}
        )
    return _Reply(200, {"holders": state.all_holders()})


def _set_holders(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    body = _require_object(document)
    product_code = body.get("product_code")
    user_uuids = body.get("user_uuids")
    if not isinstance(product_code, str) or not product_code:
        raise ValueError("product_code must be a non-empty string")
    if not isinstance(user_uuids, list) or not all(isinstance(u, str) for u in user_uuids):
        raise ValueError("user_uuids must be a list of strings")
    holders = state.set_holders(product_code, user_uuids)
    return _Reply(200, {"product_code": product_code, "user_uuids": holders})


def _get_faults(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, {"faults": state.faults()})


def _add_fault(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    rule = FaultRule.from_dict(_require_object(document))
    state.add_fault(rule)
    return _Reply(200, {"fault": rule.to_dict(), "faults": state.faults()})


def _clear_faults(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    state.clear_faults()
    return _Reply(200, {"faults": []})


def _get_requests(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    return _Reply(200, {"requests": state.requests()})


def _clear_requests(state: SeatsState, query: dict[str, str], document: Any) -> _Reply:
    state.clear_requests()
    return _Reply(200, {"requests": []})


_CONTROL_ROUTES: dict[str, dict[str, _ControlRoute]] = {
    "reset": {"POST": _reset},
    "state": {"GET": _get_state},
    "users": {"GET": _get_users, "POST": _set_users},
    "users/status": {"POST": _set_user_status},
    "teams": {"GET": _get_teams, "POST": _set_teams},
    "config": {"GET": _get_config, "POST": _set_config},
    "holders": {"GET": _get_holders, "POST": _set_holders},
    "faults": {"GET": _get_faults, "POST": _add_fault, "DELETE": _clear_faults},
    "requests": {"GET": _get_requests, "DELETE": _clear_requests},
}


class SeatsEmulator:
    """The Seats API on a loopback address, served from a daemon thread.

    Use `start()`/`stop()` or a `with` block; `url` is valid once started. With `tls` (a
    server context holding a certificate, see `tls.make_tls`) it serves https://.
    """

    def __init__(
        self,
        config: EmulatorConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """Prepare an emulator for `config` on `host:port` (port 0: any free port)."""
        if not is_loopback_host(host):
            raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")
        self.config = config
        self.host = host
        self.tls = tls
        self.state = SeatsState(config)
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (RuntimeError before start)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. "http://127.0.0.1:40123" (RuntimeError before start)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def start(self) -> SeatsEmulator:
        """Bind and serve in a daemon thread; return self."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server = _Server((self.host, self._requested_port), self.state, family, self.tls)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"seats-emulator-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open connection (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> SeatsEmulator:
        """Start and return the emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the emulator."""
        self.stop()
