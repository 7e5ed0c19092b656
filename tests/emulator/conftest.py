"""Emulator fixtures: one emulator per test session (per xdist worker), reset before each test."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import requests
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from datadog_seats_emulator import EmulatorConfig, SeatsEmulator, SeatUser, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.provider import SeatAssignmentProvider

API_KEY = "test-api-key"
APP_KEY = "test-app-key"
USER_COUNT = 50
SEATS_PATH = "/api/v2/seats/users"


class SeatsApi:
    """Raw HTTP access to the emulated Seats API with the test keys (no retries)."""

    def __init__(self, base_url: str, users: list[SeatUser]) -> None:
        self.base_url = base_url
        self.url = base_url + SEATS_PATH
        self.users = users
        self.user_ids = [user["id"] for user in users]
        self.session = requests.Session()
        self.session.headers.update({"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY})

    @staticmethod
    def body(
        product_code: Any = "on_call", user_uuids: Any = None, request_id: str | None = None
    ) -> dict[str, Any]:
        """A seat-assignments request body."""
        data: dict[str, Any] = {
            "type": "seat-assignments",
            "attributes": {"product_code": product_code, "user_uuids": user_uuids},
        }
        if request_id is not None:
            data["id"] = request_id
        return {"data": data}

    def get(self, product_code: str | None = "on_call", **params: Any) -> requests.Response:
        """GET the holders; `limit`/`cursor` map to page[limit]/page[cursor]."""
        query: dict[str, Any] = {}
        if product_code is not None:
            query["product_code"] = product_code
        if "limit" in params:
            query["page[limit]"] = params.pop("limit")
        if "cursor" in params:
            query["page[cursor]"] = params.pop("cursor")
        query.update(params)
        return self.session.get(self.url, params=query, timeout=30)

    def assign(self, user_uuids: Sequence[str], product_code: str = "on_call") -> requests.Response:
        """POST an assignment of these users."""
        return self.session.post(
            self.url, json=self.body(product_code, list(user_uuids)), timeout=30
        )

    def unassign(
        self, user_uuids: Sequence[str], product_code: str = "on_call"
    ) -> requests.Response:
        """DELETE these users' seats."""
        return self.session.delete(
            self.url, json=self.body(product_code, list(user_uuids)), timeout=30
        )

    def list_all(self, product_code: str = "on_call", limit: int = 100) -> list[dict[str, Any]]:
        """Follow next_cursor to the end; return every listed seat user."""
        items: list[dict[str, Any]] = []
        cursor = ""
        while True:
            response = self.get(product_code, limit=limit, cursor=cursor)
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["data"])
            cursor = page.get("meta", {}).get("next_cursor", "")
            if not cursor:
                return items


@pytest.fixture(scope="session")
def emulator() -> Iterator[SeatsEmulator]:
    """A running emulator with keys test-api-key/test-app-key and 50 seeded users."""
    config = EmulatorConfig(api_key=API_KEY, app_key=APP_KEY, users=seed_users(USER_COUNT))
    with SeatsEmulator(config) as running:
        yield running


@pytest.fixture
def admin(emulator: SeatsEmulator) -> Iterator[EmulatorAdmin]:
    """An admin client of the session emulator, which it resets first."""
    client = EmulatorAdmin(emulator.url)
    client.reset()
    yield client
    client.close()


@pytest.fixture
def emulator_api(emulator: SeatsEmulator, admin: EmulatorAdmin) -> Iterator[SeatsApi]:
    """Raw keyed access to the (freshly reset) session emulator's Seats API."""
    api = SeatsApi(emulator.url, seed_users(USER_COUNT))
    yield api
    api.session.close()


def provider_for(emulator: SeatsEmulator, **knobs: str) -> SeatAssignmentProvider:
    """A provider configured as the engine configures one (a fresh "process")."""
    config = {
        "datadog:apiUrl": emulator.url,
        "datadog:apiKey": API_KEY,
        "datadog:appKey": APP_KEY,
        "datadog-seats:backoffSeconds": "0",
        **{f"datadog-seats:{k}": v for k, v in knobs.items()},
    }
    provider = SeatAssignmentProvider()
    provider.configure(ConfigureRequest(Config(config, "test")))
    return provider
