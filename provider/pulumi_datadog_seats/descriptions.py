"""Every description of the package, written once: resources, properties, functions, config.

The plugin's schema (and from it the generated SDKs and reference pages), the Python
docstrings of :mod:`.resource` and :mod:`.lookups`, and the configuration page all read
these texts. A text is Markdown in which ``{name}`` stands for a property or argument
(``{user_uuids}``) as the reader's language writes it, and ``{true}``/``{false}`` for
its literals: :func:`markdown` renders one for the schema, :func:`rst` for a Python
docstring. tests/unit/test_descriptions.py checks that every reader shows them as they
render.
"""

from __future__ import annotations

import re

from .declaration import ASSIGNED_IDS, EMAILS, EXCLUSIVE, PRODUCT_CODE, TEAM_ID, UNMANAGED_IDS
from .declaration import USER_UUIDS as USERS
from .spelling import PYTHON, YAML, Spelling

#: The schema's names for the functions' results that are not SeatAssignment properties.
HOLDERS = "holders"

SEAT_ASSIGNMENT = (
    "Seats of one Datadog product held by a declared set of users.\n\n"
    "`pulumi up` assigns a seat to every declared user who lacks one and gives back the "
    "seats of users removed from the list; users the resource never declared are never "
    "touched, unless {exclusive} is {true}: then the list is the complete set of holders "
    "of the product, and every other holder loses the seat (at most one exclusive "
    "SeatAssignment per product). Every preview names each user the next `pulumi up` "
    "unassigns. `pulumi refresh` notices seats removed outside Pulumi; `pulumi destroy` "
    "gives every declared seat back."
)

#: The inputs of a SeatAssignment.
INPUTS: dict[str, str] = {
    PRODUCT_CODE: (
        "The product whose seats are assigned, e.g. `incident_response` or `on_call`. "
        "Changing it replaces the resource: the new product's seats are assigned first, "
        "then the old product's are given back."
    ),
    USERS: (
        "The Datadog user UUIDs that hold a seat (for example the ids of Datadog user "
        "resources). Order, case and duplicates do not matter. Must not be empty: delete "
        "the resource to give every seat back."
    ),
    EXCLUSIVE: (
        "When {true}, {user_uuids} is the complete set of holders of the product: creating "
        "and updating also unassign every holder not declared (all or nothing). At most one "
        "exclusive SeatAssignment per product. Turning it on or off is an update. Default "
        "{false}: holders this resource never declared are never touched."
    ),
}

#: The outputs of a SeatAssignment.
OUTPUTS: dict[str, str] = {
    PRODUCT_CODE: "The product whose seats are assigned.",
    USERS: "The declared users: canonical lower-case UUIDs, sorted, without duplicates.",
    EXCLUSIVE: "Whether the declared users are the complete set of holders of the product.",
    ASSIGNED_IDS: (
        "The declared users that hold a seat, as confirmed by Datadog (sorted). A secret "
        "when {user_uuids} is, as are {user_uuids} and {unmanaged_ids}."
    ),
    UNMANAGED_IDS: (
        "Only when {exclusive}: the holders of the product this resource does not declare, "
        "found by the last refresh, which the next `pulumi up` unassigns (sorted; empty "
        "after an up). Always empty otherwise: `getSeatHolders` lists every holder."
    ),
}

#: ``pulumi import`` of a SeatAssignment (the plugin's; the dynamic resource has none).
IMPORT = (
    "The ID is the product code. `pulumi import datadog-seats:index:SeatAssignment NAME "
    "PRODUCT_CODE` adopts every current holder of the product; "
    "`PRODUCT_CODE:UUID,UUID,...` adopts just those users (each must hold a seat)."
)

#: The functions (Python: the lookups of :mod:`.lookups`), their arguments and results.
GET_SEAT_HOLDERS = (
    "The users holding a seat of a Datadog product, read from the Seats API with the "
    "provider's credentials, sorted by UUID."
)
LOOKUP_USER_UUIDS = (
    "The UUID of the active Datadog user of each email, in the order of {emails}. Emails "
    "compare case-insensitively and must match whole; an email with no user, only a "
    "Pending or Disabled one, or several active ones fails the call, naming each."
)
GET_TEAM_MEMBER_UUIDS = (
    "The user UUIDs of every member of a Datadog team, each once, read across every page "
    "of the team's memberships."
)
ARGUMENTS: dict[str, str] = {
    PRODUCT_CODE: "The product, e.g. `incident_response` or `on_call`.",
    EMAILS: "The emails of the users, e.g. `alice@example.com`.",
    TEAM_ID: "The team's id (a UUID, such as a Datadog team resource's id).",
}
RESULTS: dict[str, str] = {
    PRODUCT_CODE: "The product asked about.",
    USERS: "The user UUIDs found, in the order described above.",
    HOLDERS: "Every holder with what the API says about them, by UUID.",
}

#: One holder of a seat (the ``SeatHolder`` type; Python: :class:`~.api.seats.SeatHolder`).
SEAT_HOLDER = "One user holding a seat, as `GET /api/v2/seats/users` lists them."
SEAT_HOLDER_FIELDS: dict[str, str] = {
    "id": "The user's UUID (lower case).",
    "email": "The user's email, if the API gave it.",
    "name": "The user's name, if the API gave it.",
    "assigned_at": "When the seat was assigned (RFC 3339), if the API gave it.",
}

#: The credentials and the URL (the knobs are described in ``settings.KNOBS``).
API_KEY = "Datadog API key of the organization."
APP_KEY = (
    "Datadog application key of a user or service account with one of the permissions "
    "`billing_edit`, `incident_write` or `on_call_write`."
)
API_URL = (
    "Datadog API URL of the organization's site, e.g. `https://api.datadoghq.eu`. Must be "
    "https (plain http only to a loopback address, such as the local Seats API emulator)."
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def markdown(text: str, spelling: Spelling = YAML) -> str:
    """``text`` for the schema and the reference pages: names as ``spelling`` writes them
    (the schema's by default), in code spans."""

    def name(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in ("true", "false"):
            return f"`{getattr(spelling, key)}`"
        return f"`{spelling[key]}`"

    return _PLACEHOLDER.sub(name, text)


def rst(text: str, spelling: Spelling = PYTHON) -> str:
    """``text`` for a Python docstring (reStructuredText): double-backtick code spans."""
    return re.sub(r"`([^`]+)`", r"``\1``", markdown(text, spelling))
