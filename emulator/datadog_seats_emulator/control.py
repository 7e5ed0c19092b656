"""`EmulatorAdmin`: a thin client of the emulator's `/_emulator/` control endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from requests import Response, Session

__all__ = ["EmulatorAdmin", "EmulatorAdminError"]


class EmulatorAdminError(RuntimeError):
    """A control endpoint answered an error; `status` and `errors` say which."""

    def __init__(self, method: str, path: str, status: int, errors: list[str]) -> None:
        """Describe the failed control call."""
        super().__init__(f"{method} {path} -> {status}: {'; '.join(errors)}")
        self.status = status
        self.errors = errors


class EmulatorAdmin:
    """Drive a running emulator: reset it, inspect it, change switches, inject faults."""

    def __init__(self, base_url: str, session: Session | None = None, timeout: float = 30.0):
        """Talk to the emulator at `base_url` (e.g. `SeatsEmulator.url`)."""
        self.base_url = base_url.rstrip("/")
        self.session = session or Session()
        self.timeout = timeout

    def _call(
        self, method: str, name: str, body: Any = None, params: Mapping[str, str] | None = None
    ) -> Any:
        path = f"/_emulator/{name}"
        response: Response = self.session.request(
            method, self.base_url + path, json=body, params=params, timeout=self.timeout
        )
        if response.status_code >= 400:
            try:
                errors = [str(e) for e in response.json().get("errors", [])]
            except ValueError:
                errors = [response.text]
            raise EmulatorAdminError(method, path, response.status_code, errors)
        return response.json()

    def reset(self) -> None:
        """Back to the startup config: users, teams, switches, faults; no holders, log, window."""
        self._call("POST", "reset")

    def state(self) -> dict[str, Any]:
        """`{"holders": {product: [ids]}, "users": [...], "config": {...}, "faults": [...]}`."""
        result: dict[str, Any] = self._call("GET", "state")
        return result

    def holders(self, product_code: str) -> list[str]:
        """Sorted ids of the users holding a seat of the product."""
        result = self._call("GET", "holders", params={"product_code": product_code})
        return [str(u) for u in result["user_uuids"]]

    def users(self) -> list[dict[str, str]]:
        """The known users (`{"id", "email", "name"}`)."""
        result: list[dict[str, str]] = self._call("GET", "users")["users"]
        return result

    def set_users(self, users: Sequence[Mapping[str, str]] | int) -> list[dict[str, str]]:
        """Replace the known users with a list, or with `count` seeded users; return them."""
        body = {"count": users} if isinstance(users, int) else {"users": [dict(u) for u in users]}
        result: list[dict[str, str]] = self._call("POST", "users", body)["users"]
        return result

    def set_user_status(self, user_ids: Sequence[str], status: str) -> list[dict[str, str]]:
        """Give these users a status (Active, Pending or Disabled); return every user."""
        body = {"user_ids": list(user_ids), "status": status}
        result: list[dict[str, str]] = self._call("POST", "users/status", body)["users"]
        return result

    def teams(self) -> list[dict[str, Any]]:
        """The teams (`{"id", "name", "handle", "members": [user ids]}`)."""
        result: list[dict[str, Any]] = self._call("GET", "teams")["teams"]
        return result

    def set_teams(self, teams: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Replace every team; each is `{"name", "id"?, "handle"?, "members"? | "count"?}`."""
        result: list[dict[str, Any]] = self._call(
            "POST", "teams", {"teams": [dict(t) for t in teams]}
        )["teams"]
        return result

    def add_team(
        self,
        name: str,
        *,
        members: Sequence[str] | None = None,
        count: int | None = None,
        team_id: str | None = None,
        handle: str | None = None,
    ) -> dict[str, Any]:
        """Add a team (or replace the one with its id) of `members`, or of the first `count`
        users; return it as stored, with its id."""
        team: dict[str, Any] = {"name": name}
        if members is not None:
            team["members"] = list(members)
        if count is not None:
            team["count"] = count
        if team_id is not None:
            team["id"] = team_id
        if handle is not None:
            team["handle"] = handle
        result: dict[str, Any] = self._call("POST", "teams", {"team": team})["team"]
        return result

    def configure(self, **switches: Any) -> dict[str, Any]:
        """Change switches (e.g. `assigned_ids="new"`, `capacity={"on_call": 3}`); return all."""
        result: dict[str, Any] = self._call("POST", "config", switches)
        return result

    def config(self) -> dict[str, Any]:
        """The current switches."""
        result: dict[str, Any] = self._call("GET", "config")
        return result

    def set_holders(self, product_code: str, uuids: Sequence[str]) -> list[str]:
        """Make exactly these users hold the product (out-of-band); return the sorted ids."""
        body = {"product_code": product_code, "user_uuids": list(uuids)}
        return [str(u) for u in self._call("POST", "holders", body)["user_uuids"]]

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Arm a fault rule (kind, status, nth, every, times, delay_seconds, reset_seconds,
        methods); return it as stored."""
        result: dict[str, Any] = self._call("POST", "faults", rule)["fault"]
        return result

    def faults(self) -> list[dict[str, Any]]:
        """The armed rules, each with `matched` and `fired` counters."""
        result: list[dict[str, Any]] = self._call("GET", "faults")["faults"]
        return result

    def clear_faults(self) -> None:
        """Disarm every fault rule."""
        self._call("DELETE", "faults")

    def requests(self) -> list[dict[str, Any]]:
        """The /api/ request log: `{"time", "method", "path", "query", "status", "body", ...}`."""
        result: list[dict[str, Any]] = self._call("GET", "requests")["requests"]
        return result

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._call("DELETE", "requests")

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()
