"""User UUIDs that come from another resource's outputs, unknown during preview.

``DirectoryUser`` stands in for ``pulumi_datadog.User`` (whose provider plugin cannot
be installed offline): its create looks a user up by email in the emulator's
directory and returns the UUID as an output.
"""

import json
import urllib.request
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_datadog_seats import SeatAssignment


# Defined in __main__, so dill pickles it by value: the provider process imports nothing.
class DirectoryUserProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        with urllib.request.urlopen(f"{props['admin_url']}/_emulator/state") as resp:
            users = json.load(resp)["users"]
        match = [u["id"] for u in users if u["email"] == props["email"]]
        if not match:
            raise ValueError(f"no user with email {props['email']}")
        return pulumi.dynamic.CreateResult(match[0], {**props, "uuid": match[0]})


class DirectoryUser(pulumi.dynamic.Resource):
    uuid: pulumi.Output[str]

    def __init__(self, name: str, email: str, admin_url: str) -> None:
        props = {"email": email, "admin_url": admin_url, "uuid": None}
        super().__init__(DirectoryUserProvider(), name, props)


config = pulumi.Config()
people = [
    DirectoryUser(f"user-{i}", email, config.require("adminUrl"))
    for i, email in enumerate(config.require_object("emails"))
]
seats = SeatAssignment(
    "seats", product_code=config.require("productCode"), user_uuids=[p.uuid for p in people]
)
pulumi.export("assigned_ids", seats.assigned_ids)
