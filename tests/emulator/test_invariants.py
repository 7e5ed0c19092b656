"""Seat invariants under random operations, against the emulator over real HTTP.

Hypothesis draws bounded sequences of steps: `pulumi up`s of 1-3 SeatAssignments of two
products (created, changed, replaced, deleted; exclusive or not; sometimes with a user
who is not in the organization), with or without a refresh first; seats assigned and
unassigned outside Pulumi; capacity changes; the emulator's switches (what assigned_ids
lists, unknown users skipped or rejected, unassigning a non-holder accepted or
rejected, over capacity rejected or partly assigned); and faults armed for the next up
(503s, 429s with a zero reset, dropped connections, an answer delayed past the client's
timeout after the change was made). Each up runs the provider methods the way the engine
calls them on one configured provider (one provider process per engine operation):
check, read (refresh), diff, then create / update / delete-before-replace in program
order, deletes of removed resources last.

The model is the specification of each operation applied to the holders: a create
adds its users (exclusive: the holders become exactly its users), an update removes the
users it no longer declares and adds the declared ones (exclusive: exactly them), a
delete removes its users, a refresh changes nothing. Checked after every operation:

- it succeeded: the holders are the model's, which is the declaration plus the
  untouched outsiders (after a refresh and up, every declared user holds a seat, and
  an exclusive declaration is exactly the holders);
- it failed: the holders are exactly as before, unless the message names every user
  who differs and says why: giving back or assigning back also failed (the API kept
  failing, or more users hold seats than the product has), or a request got no clear
  answer and Datadog may still carry it out (then the check waits for the delayed
  request to land first);
- no message ever holds a key; at the end a clean destroy leaves only the outsiders.

Bounded: ``SEATS_INVARIANT_EXAMPLES`` examples (default 40: under a minute on 2 busy
cores), derandomized unless ``SEATS_INVARIANT_SEED`` is set (``make reliability`` runs
more, with a fresh seed). A summary (examples, steps, provider operations, faults armed
and fired, ups converged and failed, failed operations that changed nothing or reported
their leftovers, seats leaked, keys seen, seconds) is printed at the end of the module
and written as JSON to ``SEATS_INVARIANT_REPORT`` when set.

While a delay fault is armed the client's timeout is short, so that the delay outlasts
it and the client retries a request that is still under way: the late landing of the
first attempt, after a roll back or a restore, must be named in the message (two tests
below pin the cases the property first found). Every up waits for held requests to land
and checks the model again, so a late write after a success is caught too.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.errors import SeatsError
from pulumi_datadog_seats.provider import SeatAssignmentProvider
from tests.waiting import wait_until

from .conftest import API_KEY, APP_KEY, USER_COUNT, provider_for

IR, ON_CALL = "incident_response", "on_call"
PRODUCTS = (IR, ON_CALL)
USERS = [u["id"] for u in seed_users(USER_COUNT)]
POOL = USERS[:8]
#: Not a user of the organization.
STRANGER = "ffffffff-ffff-4fff-bfff-ffffffffffff"
NAMES = ("a", "b", "c")
DEFAULT_SWITCHES = {
    "assigned_ids": "all",
    "unknown_users": "skip",
    "unassign_missing": "ok",
    "over_capacity": "reject",
}

EXAMPLES = int(os.environ.get("SEATS_INVARIANT_EXAMPLES", "40"))
SEED = os.environ.get("SEATS_INVARIANT_SEED")
#: How long a delay fault holds a request: past the client's timeout while one is armed.
DELAY_SECONDS = 0.35
TIMEOUT_SECONDS = 0.2


# -- steps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decl:
    product: str
    users: frozenset[str]
    exclusive: bool


@dataclass(frozen=True)
class Up:
    """`pulumi up` (with ``refresh``: `pulumi up --refresh`) of these declarations."""

    decls: dict[str, Decl]
    refresh: bool
    knobs: dict[str, str]
    faults: list[dict[str, Any]]


@dataclass(frozen=True)
class OutOfBand:
    """Someone assigns and unassigns seats in Datadog, outside Pulumi."""

    product: str
    assign: frozenset[str]
    unassign: frozenset[str]


@dataclass(frozen=True)
class Capacity:
    product: str
    seats: int | None


@dataclass(frozen=True)
class Switches:
    values: dict[str, str]


Step = Up | OutOfBand | Capacity | Switches

users_of = st.frozensets(st.sampled_from(POOL), min_size=1, max_size=4)


#: Each name keeps its product unless a draw replaces it (a new product_code replaces).
HOME = {"a": IR, "b": ON_CALL, "c": IR}


def decls(name: str) -> st.SearchStrategy[Decl]:
    @st.composite
    def one(draw: st.DrawFn) -> Decl:
        users = draw(users_of)
        if draw(st.integers(0, 19)) == 0:
            users |= {STRANGER}
        moved = draw(st.integers(0, 5)) == 0
        product = HOME[name] if not moved else next(p for p in PRODUCTS if p != HOME[name])
        return Decl(product, users, draw(st.integers(0, 3)) == 0)

    return one()


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Decl]:
    # Each name is declared most of the time, so that most ups update what exists.
    names = [name for name in NAMES if draw(st.integers(0, 4)) != 0]
    return {name: draw(decls(name)) for name in names}


@st.composite
def fault_rules(draw: st.DrawFn) -> dict[str, Any]:
    """One fault for the next up: mostly transient, so that retries absorb some of them."""
    kind = draw(st.sampled_from(["status", "rate_limit", "drop", "delay"]))
    rule: dict[str, Any] = {"kind": kind}
    if kind == "status":
        rule["status"] = draw(st.sampled_from([500, 503]))
    elif kind == "rate_limit":
        rule["reset_seconds"] = 0
    if kind == "delay":
        # Past the client's timeout: the change is made, the client sees a failure.
        rule["delay_seconds"] = DELAY_SECONDS
        rule["nth"] = draw(st.integers(1, 4))
    elif draw(st.booleans()):
        rule["nth"] = draw(st.integers(1, 4))
    else:
        rule["every"] = draw(st.integers(2, 4))
    methods = draw(st.sampled_from([None, ["GET"], ["POST"], ["DELETE"], ["POST", "DELETE"]]))
    if methods is not None:
        rule["methods"] = methods
    return rule


ups = st.builds(
    Up,
    decls=declarations(),
    refresh=st.booleans(),
    knobs=st.fixed_dictionaries(
        {
            "batchSize": st.sampled_from(["1", "2", "3", "100"]),
            "maxRetries": st.sampled_from(["0", "1", "3"]),
            # Generous, so that a loaded machine never times out a request by itself.
            "timeoutSeconds": st.just("10"),
            "retryBudgetSeconds": st.just("2"),
        }
    ),
    faults=st.lists(fault_rules(), max_size=2),
)
perturbations = st.one_of(
    st.builds(
        OutOfBand,
        st.sampled_from(PRODUCTS),
        st.frozensets(st.sampled_from(POOL + USERS[40:43]), max_size=3),
        st.frozensets(st.sampled_from(POOL + USERS[40:43]), max_size=3),
    ),
    st.builds(Capacity, st.sampled_from(PRODUCTS), st.sampled_from([None, None, 3, 6])),
    st.builds(
        Switches,
        st.fixed_dictionaries(
            {},
            optional={
                "assigned_ids": st.sampled_from(["all", "new"]),
                "unknown_users": st.sampled_from(["skip", "reject"]),
                "unassign_missing": st.sampled_from(["ok", "reject"]),
                "over_capacity": st.sampled_from(["reject", "partial"]),
            },
        ),
    ),
)
#: Rounds: what happens in Datadog meanwhile, then a `pulumi up`.
rounds = st.tuples(st.lists(perturbations, max_size=2), ups).map(lambda r: [*r[0], r[1]])
steps = st.lists(rounds, min_size=1, max_size=6).map(lambda rs: [s for r in rs for s in r])


# -- the run ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the module ran, printed at its end."""

    runs: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    provider_ops: Counter[str] = field(default_factory=Counter)
    faults_armed: int = 0
    faults_fired: int = 0
    ups_converged: int = 0
    ups_failed: int = 0
    failed_ops_unchanged: int = 0
    failed_ops_reported_leftovers: int = 0
    leftover_causes: Counter[str] = field(default_factory=Counter)
    seats_leaked: int = 0
    keys_seen: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "examples": self.runs,
            "seed": SEED or "derandomized",
            "steps": dict(self.steps),
            "seconds_by_step": {k: round(v, 1) for k, v in self.seconds.items()},
            "operations": sum(self.steps.values()),
            "provider_operations": dict(self.provider_ops),
            "faults_armed": self.faults_armed,
            "faults_fired": self.faults_fired,
            "ups_converged": self.ups_converged,
            "ups_failed": self.ups_failed,
            "failed_operations_with_holders_unchanged": self.failed_ops_unchanged,
            "failed_operations_reporting_leftovers": self.failed_ops_reported_leftovers,
            "leftover_causes": dict(self.leftover_causes),
            "seats_leaked": self.seats_leaked,
            "keys_seen": self.keys_seen,
        }


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    summary = json.dumps(TALLY.summary(), indent=2, sort_keys=True)
    target = os.environ.get("SEATS_INVARIANT_REPORT")
    if target:
        Path(target).write_text(summary + "\n")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and TALLY.runs:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(f"seat invariants: {json.dumps(TALLY.summary(), sort_keys=True)}")


class Invariant(AssertionError):
    pass


@dataclass
class World:
    """The emulator, what Pulumi's state holds, and the model of the holders."""

    emulator: SeatsEmulator
    admin: EmulatorAdmin
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: A delay fault is armed: a request the client gave up on may still land.
    delaying: bool = False
    expected: dict[str, set[str]] = field(default_factory=lambda: {p: set() for p in PRODUCTS})

    def holders(self) -> dict[str, set[str]]:
        return {p: set(self.admin.holders(p)) for p in PRODUCTS}

    def check_model(self, what: str) -> None:
        actual = self.holders()
        if actual != self.expected:
            leaked = sum(len(actual[p] - self.expected[p]) for p in PRODUCTS)
            TALLY.seats_leaked += leaked
            raise Invariant(f"after {what}: holders {actual} but the model says {self.expected}")

    # -- the specification of each operation --------------------------------------------

    def created(self, outs: dict[str, Any]) -> None:
        product, users = outs["product_code"], set(outs["user_uuids"])
        if outs["exclusive"]:
            self.expected[product] = users
        else:
            self.expected[product] |= users

    def updated(self, olds: dict[str, Any], outs: dict[str, Any]) -> None:
        product, users = outs["product_code"], set(outs["user_uuids"])
        before = set(olds["user_uuids"])
        if outs["exclusive"]:
            self.expected[product] = users
        else:
            self.expected[product] = (self.expected[product] - (before - users)) | users

    def deleted(self, outs: dict[str, Any]) -> None:
        self.expected[outs["product_code"]] -= set(outs["user_uuids"])


def inputs_of(decl: Decl) -> dict[str, Any]:
    return {
        "product_code": decl.product,
        "user_uuids": sorted(decl.users),
        "exclusive": decl.exclusive,
    }


def attempt(world: World, what: str, call: Any, *args: Any) -> Any:
    """Run one provider operation; on failure, check that it changed nothing (or said so)."""
    before = world.holders()
    try:
        result = call(*args)
    except SeatsError as exc:
        message = str(exc)
        TALLY.keys_seen += message.count(API_KEY) + message.count(APP_KEY)
        if world.delaying and any(
            f["kind"] == "delay" and f["fired"] for f in world.admin.faults()
        ):
            time.sleep(DELAY_SECONDS + 0.1)  # a request that timed out lands meanwhile
        after = world.holders()
        differing = {u for p in PRODUCTS for u in before[p] ^ after[p]}
        if differing:
            unnamed = sorted(u for u in differing if u not in message)
            said = "also failed" in message or "no clear answer" in message
            if unnamed or not said:
                TALLY.seats_leaked += len(unnamed) or len(differing)
                raise Invariant(
                    f"failed {what} changed the holders of {sorted(differing)} without saying "
                    f"so: before {before}, after {after}; message: {message}"
                ) from exc
            TALLY.failed_ops_reported_leftovers += 1
            TALLY.leftover_causes[_leftover_cause(message)] += 1
            world.expected = after  # the message told the user who is left where
        else:
            TALLY.failed_ops_unchanged += 1
        raise
    TALLY.provider_ops[what] += 1
    return result


def _leftover_cause(message: str) -> str:
    if "no clear answer" in message:
        return "request without a clear answer"
    if "gave no seat to" in message:
        return "no seat left to assign back"
    return "the API kept failing"


def allowed(world: World, decls: dict[str, Decl]) -> dict[str, Decl]:
    """The declarations the generator may hand an up: what docs/known-limits.md forbids is out.

    At most one exclusive declaration per product, alone in it; the resources of a
    product declare disjoint users; and no user moves between two resources of a product
    in one up (the engine runs deletes last, so the old resource would take the seat
    from the new one: the rule on renames in docs/known-limits.md).
    """
    kept: dict[str, Decl] = {}
    for name in sorted(decls):
        decl = decls[name]
        taken: set[str] = set()
        for have in kept.values():
            if have.product == decl.product:
                taken |= have.users
        for other, outs in world.state.items():
            if other != name and outs["product_code"] == decl.product:
                taken |= set(outs["user_uuids"])
        users = frozenset(decl.users - taken)
        same_product = [d for d in kept.values() if d.product == decl.product]
        if not users or any(d.exclusive for d in same_product):
            continue
        if decl.exclusive and same_product:
            decl = Decl(decl.product, users, False)
        kept[name] = Decl(decl.product, users, decl.exclusive)
    return kept


def run_up(world: World, up: Up) -> None:
    decls = allowed(world, up.decls)
    for rule in up.faults:
        world.admin.add_fault(**rule)
    world.delaying = any(rule["kind"] == "delay" for rule in up.faults)
    TALLY.faults_armed += len(up.faults)
    knobs = dict(up.knobs)
    if world.delaying:
        # A short timeout, for the delay to outlast it (retries as drawn).
        knobs.update(timeoutSeconds=str(TIMEOUT_SECONDS))
    provider = provider_for(world.emulator, **knobs)
    converged = False
    try:
        converge(world, provider, decls, up.refresh)
    except SeatsError:
        TALLY.ups_failed += 1
    else:
        converged = True
        TALLY.ups_converged += 1
        if up.refresh:
            holders = world.holders()
            for decl in decls.values():
                if decl.exclusive:
                    assert holders[decl.product] == set(decl.users)
                else:
                    assert set(decl.users) <= holders[decl.product]
    finally:
        late = False
        for fault in world.admin.faults():
            TALLY.faults_fired += fault["fired"]
            late = late or bool(fault["fired"] and fault["kind"] == "delay")
        world.admin.clear_faults()
        world.delaying = False
    if late and converged:
        # A held request lands after the up ended: it may only repeat what the up did. (A
        # failed up has waited for it already, in attempt(), and checked what it did.)
        time.sleep(DELAY_SECONDS + 0.1)
        world.check_model("a held request landing after the up")


def converge(
    world: World, provider: SeatAssignmentProvider, decls: dict[str, Decl], refresh: bool
) -> None:
    """One engine operation: refresh, then creates and updates in order, deletes last."""
    if refresh:
        for name, outs in list(world.state.items()):
            read = attempt(world, "read", provider.read, "id", outs)
            world.check_model("read")
            if read.id:
                world.state[name] = read.outs
            else:
                del world.state[name]
    for name, decl in sorted(decls.items()):
        checked = provider.check({}, inputs_of(decl))
        assert checked.failures == [], checked.failures
        news = checked.inputs
        olds = world.state.get(name)
        if olds is not None:
            diff = provider.diff("id", olds, news)
            if not diff.changes:
                continue
            if not diff.replaces:
                result = attempt(world, "update", provider.update, "id", olds, news)
                world.updated(olds, result.outs)
                world.state[name] = result.outs
                world.check_model("update")
                continue
            attempt(world, "delete", provider.delete, "id", olds)
            world.deleted(olds)
            del world.state[name]
            world.check_model("delete (replace)")
        created = attempt(world, "create", provider.create, news)
        world.created(created.outs)
        world.state[name] = created.outs
        world.check_model("create")
    for name in sorted(set(world.state) - set(decls)):
        olds = world.state[name]
        attempt(world, "delete", provider.delete, "id", olds)
        world.deleted(olds)
        del world.state[name]
        world.check_model("delete")


def apply(world: World, step: Step) -> None:
    started = time.monotonic()
    try:
        _apply(world, step)
    finally:
        TALLY.seconds[type(step).__name__] += time.monotonic() - started


def _apply(world: World, step: Step) -> None:
    TALLY.steps[type(step).__name__] += 1
    if isinstance(step, Up):
        run_up(world, step)
    elif isinstance(step, OutOfBand):
        holders = (world.holders()[step.product] | step.assign) - step.unassign
        world.admin.set_holders(step.product, sorted(holders))
        world.expected[step.product] = holders
    elif isinstance(step, Capacity):
        capacity = dict(world.admin.config().get("capacity") or {})
        if step.seats is None:
            capacity.pop(step.product, None)
        else:
            capacity[step.product] = step.seats
        world.admin.configure(capacity=capacity)
    else:
        world.admin.configure(**step.values)
    world.check_model(type(step).__name__)


def destroy(world: World) -> None:
    """A clean `pulumi destroy` at the end: only the outsiders keep a seat."""
    world.admin.clear_faults()
    world.admin.configure(**DEFAULT_SWITCHES, capacity={})
    provider = provider_for(world.emulator)
    for name, outs in sorted(world.state.items()):
        provider.delete("id", outs)
        world.deleted(outs)
        del world.state[name]
    world.check_model("destroy")


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=SEED is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
F = TypeVar("F", bound=Callable[..., Any])


def _seeded(test: F) -> F:
    return seed(int(SEED))(test) if SEED is not None else test


def test_seat_invariants_hold_under_random_operations(emulator: SeatsEmulator) -> None:
    """Hypothesis runs the sequences; then the tally must show they ran and leaked nothing
    (checked here, not in a test of its own, which xdist may run on another worker)."""
    runs_before = TALLY.runs
    run_random_sequences(emulator)
    assert TALLY.runs > runs_before, "hypothesis ran no example"
    assert TALLY.steps["Up"] > 0
    assert TALLY.seats_leaked == 0 and TALLY.keys_seen == 0, TALLY.summary()


@_seeded
@SETTINGS
@given(sequence=steps)
def run_random_sequences(emulator: SeatsEmulator, sequence: list[Step]) -> None:
    """One example: a random sequence of steps, then a clean destroy."""
    session = requests.Session()
    session.trust_env = False  # no proxy lookup in the environment on every admin call
    admin = EmulatorAdmin(emulator.url, session=session)
    try:
        admin.reset()
        world = World(emulator, admin)
        TALLY.runs += 1
        for step in sequence:
            apply(world, step)
        destroy(world)
    finally:
        admin.close()


def test_a_post_retried_after_a_timeout_that_lands_after_the_roll_back_is_reported(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    """The first leak the property found: the POST times out, its retry seats the user, the
    stranger beside them is skipped, the roll back gives the seat back; then the first POST
    lands and the user holds a seat. The message must name them, not say nothing changed."""
    admin.configure(unknown_users="skip")
    admin.add_fault(kind="delay", delay_seconds=DELAY_SECONDS, nth=1, methods=["POST"])
    provider = provider_for(emulator, maxRetries="1", timeoutSeconds=str(TIMEOUT_SECONDS))
    user = USERS[0]
    with pytest.raises(SeatsError) as failure:
        provider.create({"product_code": IR, "user_uuids": [user, STRANGER]})
    message = str(failure.value)
    assert user in message and "no clear answer" in message, message
    assert "nothing changed" not in message.lower(), message
    wait_until(lambda: admin.holders(IR) == [user], 5, "the held POST lands and seats the user")


def test_a_delete_retried_after_a_timeout_that_lands_after_the_restore_is_reported(
    emulator: SeatsEmulator, admin: EmulatorAdmin
) -> None:
    """The same for DELETE: an update gives a seat back (the DELETE times out, its retry
    succeeds), then the assign of the new users is refused and the restore assigns the seat
    back; the first DELETE lands late and takes it again. The message must name them."""
    kept, dropped, added = USERS[0], USERS[1], USERS[2]
    admin.set_holders(IR, [kept, dropped])
    provider = provider_for(emulator, maxRetries="1", timeoutSeconds=str(TIMEOUT_SECONDS))
    created = provider.create({"product_code": IR, "user_uuids": [kept, dropped]})
    olds = dict(created.outs or {})
    admin.configure(unknown_users="reject")
    admin.add_fault(kind="delay", delay_seconds=DELAY_SECONDS, nth=1, methods=["DELETE"])
    news = {"product_code": IR, "user_uuids": [kept, added, STRANGER], "exclusive": False}
    with pytest.raises(SeatsError) as failure:
        provider.update("id", olds, news)
    message = str(failure.value)
    assert dropped in message and "no clear answer" in message, message
    wait_until(lambda: admin.holders(IR) == [kept], 5, "the held DELETE lands and unseats them")
