"""Pulumi programs the e2e tests run (inline, served by the test process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pulumi
import pulumi.dynamic

from pulumi_datadog_seats import SeatAssignment


@dataclass
class Declaration:
    """What the program declares; tests change it between runs like a user edits code."""

    product_code: str
    user_uuids: list[str] = field(default_factory=list)


def seats_program(declaration: Declaration) -> Callable[[], None]:
    """One SeatAssignment with the current declaration, its outputs exported."""

    def program() -> None:
        seats = SeatAssignment(
            "seats",
            product_code=declaration.product_code,
            user_uuids=list(declaration.user_uuids),
        )
        pulumi.export("product_code", seats.product_code)
        pulumi.export("user_uuids", seats.user_uuids)
        pulumi.export("assigned_ids", seats.assigned_ids)

    return program


def directory_user_program(
    admin_url: str, emails: list[str], product_code: str
) -> Callable[[], None]:
    """User UUIDs that come from another resource's outputs, unknown during preview.

    ``DirectoryUser`` stands in for ``pulumi_datadog.User`` (whose provider
    plugin cannot be installed offline): its create looks a user up by email
    in the emulator's directory and returns the UUID as its id.
    """

    def program() -> None:
        # Local classes: dill pickles them by value, the provider process imports nothing.
        class DirectoryUserProvider(pulumi.dynamic.ResourceProvider):
            def create(self, props):
                import json
                import urllib.request

                with urllib.request.urlopen(f"{props['admin_url']}/_emulator/state") as resp:
                    users = json.load(resp)["users"]
                match = [u["id"] for u in users if u["email"] == props["email"]]
                if not match:
                    raise ValueError(f"no user with email {props['email']}")
                return pulumi.dynamic.CreateResult(match[0], {**props, "uuid": match[0]})

        class DirectoryUser(pulumi.dynamic.Resource):
            uuid: pulumi.Output[str]

            def __init__(self, name: str, email: str) -> None:
                props = {"email": email, "admin_url": admin_url, "uuid": None}
                super().__init__(DirectoryUserProvider(), name, props)

        people = [DirectoryUser(f"user-{i}", email) for i, email in enumerate(emails)]
        seats = SeatAssignment(
            "seats", product_code=product_code, user_uuids=[p.uuid for p in people]
        )
        pulumi.export("assigned_ids", seats.assigned_ids)

    return program
