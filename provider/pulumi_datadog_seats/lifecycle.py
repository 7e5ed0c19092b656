"""The lifecycle core: what a SeatAssignment does at each step, free of Pulumi.

Both front ends (the dynamic provider in :mod:`.provider`, the provider plugin in
:mod:`.plugin.provider`) are thin adapters over one :class:`SeatLifecycle`: they
translate their wire values into a :class:`~.declaration.Declaration` or a mapping of
checked inputs, call the step, and translate the result back. Every rule is here once:

- check: normalise and validate (:mod:`.validation`), and claim an exclusive product
  (:mod:`.exclusive`) so that a second exclusive declaration fails before any write;
- diff: which changes replace, which users are added and removed, which holders an
  exclusive declaration removes;
- create and update: plan and converge, all or nothing (:mod:`.reconcile`), then
  record the outputs (:class:`~.declaration.SeatOutputs`);
- refresh: who still holds a seat, the warning about the others, gone when none does;
- delete: give every declared seat back, or restore them all;
- import: adopt current holders;
- secrecy: no message about a secret declaration shows a user UUID.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .api.seats import SeatsClient
from .declaration import (
    EXCLUSIVE,
    PRODUCT_CODE,
    REPLACING_INPUTS,
    UNMANAGED_IDS,
    USER_UUIDS,
    Declaration,
    SeatOutputs,
    Spelling,
)
from .errors import ConfigurationError, ExclusiveClaimError, SeatAssignmentError, SeatsError
from .exclusive import ExclusiveClaims
from .holders import HoldersView
from .reconcile import SeatsApi, converge, release_or_restore
from .redaction import hide_user_uuids, parse_user_uuid, user_uuid_set
from .settings import Settings
from .validation import CheckOutcome, IsUnknown, check_inputs, never_unknown


@dataclass(frozen=True)
class Diff:
    """What changed between the previous outputs and the new checked inputs.

    ``removed_users`` are positions in the old ``user_uuids``, ``added_users`` in the new
    one (a user not known yet counts as added); ``users_unknown`` means the whole new
    list is not known yet. ``outsiders`` are positions in the old ``unmanaged_ids`` of
    the holders an exclusive declaration removes on ``pulumi up``.
    """

    replaces: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed_users: tuple[int, ...] = ()
    added_users: tuple[int, ...] = ()
    users_unknown: bool = False
    outsiders: tuple[int, ...] = ()

    @property
    def has_changes(self) -> bool:
        """Whether ``pulumi up`` has anything to do."""
        return bool(self.changed)


@dataclass(frozen=True)
class Refreshed:
    """What a refresh found: the outputs (None: no declared user holds a seat any more, so
    the resource is gone), and the warning naming those who lost theirs (or None)."""

    outputs: SeatOutputs | None
    warning: str | None


class SeatLifecycle:
    """The steps of every SeatAssignment one provider process serves. Thread-safe.

    ``spelling`` is how the front end's users write property names in messages.
    :meth:`configure` must run before the steps that call the API; ``check`` and
    ``diff`` never call it (they also run during preview, with unknown values).
    """

    def __init__(self, spelling: Spelling) -> None:
        self.spelling = spelling
        # Kept from the start: some engine paths check before they configure.
        self.claims = ExclusiveClaims()
        self._api: HoldersView | None = None

    def configure(self, settings: Settings) -> None:
        """Build the Seats API client and the process's view of the holders."""
        self._api = HoldersView(SeatsClient(settings), settings.batch_size)

    @property
    def api(self) -> SeatsApi:
        """The Seats API as the seat logic uses it (raises before :meth:`configure`)."""
        if self._api is None:
            raise ConfigurationError("the datadog-seats provider was used before it was configured")
        return self._api

    # -- no API calls ------------------------------------------------------------------

    def check(
        self,
        inputs: Mapping[str, Any],
        *,
        secret: bool = False,
        is_unknown: IsUnknown = never_unknown,
    ) -> CheckOutcome:
        """Validate and normalise the inputs (by property name); unknowns pass through.

        A known exclusive declaration is also claimed for its product here, so that a
        second exclusive SeatAssignment of the product fails (during preview, when both
        are known then) before anything is written.
        """
        outcome = check_inputs(
            inputs.get(PRODUCT_CODE),
            inputs.get(USER_UUIDS),
            is_unknown,
            exclusive=inputs.get(EXCLUSIVE),
            secret=secret,
            spelling=self.spelling,
        )
        checked = outcome.inputs
        users = checked[USER_UUIDS]
        if (
            outcome.failures
            or checked[EXCLUSIVE] is not True
            or is_unknown(checked[PRODUCT_CODE])
            or not isinstance(users, list)
            or any(is_unknown(u) for u in users)
        ):
            return outcome
        try:
            self.claims.claim(checked[PRODUCT_CODE], user_uuid_set(users), self.spelling)
        except ExclusiveClaimError as exc:
            outcome.failures.append((EXCLUSIVE, self._hidden(str(exc), secret)))
        return outcome

    def diff(
        self,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        is_unknown: IsUnknown = never_unknown,
    ) -> Diff:
        """Compare the previous outputs with the new checked inputs (by property name).

        Users compare as sets of canonical UUIDs (order, case and duplicates are no
        change); a new product code replaces; anything else updates. Unknown values count
        as changes. With ``exclusive`` on, the holders the last create, update or refresh
        found outside the declaration (``unmanaged_ids``) are a change too: ``pulumi up``
        unassigns them.
        """
        changed: list[str] = []
        new_product = news.get(PRODUCT_CODE)
        if is_unknown(new_product) or new_product != olds.get(PRODUCT_CODE):
            changed.append(PRODUCT_CODE)
        old_users = _list(olds.get(USER_UUIDS))
        new_users = news.get(USER_UUIDS)
        users_unknown = is_unknown(new_users) or not isinstance(new_users, list)
        removed: list[int] = []
        added: list[int] = []
        if isinstance(new_users, list) and not users_unknown:
            old_set = user_uuid_set(u for u in old_users if not is_unknown(u))
            new_set = user_uuid_set(u for u in new_users if not is_unknown(u))
            removed = [n for n, u in enumerate(old_users) if parse_user_uuid(u) not in new_set]
            added = [
                n
                for n, u in enumerate(new_users)
                if is_unknown(u) or parse_user_uuid(u) not in old_set
            ]
        if users_unknown or removed or added:
            changed.append(USER_UUIDS)
        new_exclusive = news.get(EXCLUSIVE)
        if is_unknown(new_exclusive) or bool(new_exclusive) != bool(olds.get(EXCLUSIVE)):
            changed.append(EXCLUSIVE)
        outsiders: list[int] = []
        if new_exclusive is True:
            outsiders = list(range(len(_list(olds.get(UNMANAGED_IDS)))))
            if outsiders:
                changed.append(UNMANAGED_IDS)
        return Diff(
            replaces=tuple(p for p in changed if p in REPLACING_INPUTS),
            changed=tuple(changed),
            removed_users=tuple(removed),
            added_users=tuple(added),
            users_unknown=users_unknown,
            outsiders=tuple(outsiders),
        )

    # -- API calls ---------------------------------------------------------------------

    def create(self, declaration: Declaration) -> SeatOutputs:
        """Assign seats to every declared user (with ``exclusive``, to them only); all or none."""
        return self._converge(declaration, frozenset())

    def update(self, declaration: Declaration, previously: AbstractSet[str]) -> SeatOutputs:
        """Assign the added users, unassign the removed ones; all of it, or nothing.

        Nobody else is touched, unless ``exclusive``: then every holder not declared is
        unassigned too.
        """
        return self._converge(declaration, previously)

    def refresh(self, declaration: Declaration) -> Refreshed:
        """Which declared users still hold a seat; none left means the resource is gone.

        The outputs declare only the users still seated, so that the front end can rewrite
        the inputs to them: the next preview then shows the seats lost outside Pulumi as a
        change that ``pulumi up`` restores. The warning names those users (the state alone
        would record the loss silently).
        """
        with self._hiding(declaration.secret):
            holders = self.api.holders(declaration.product_code)
        declared = declaration.users
        held = frozenset(declared & holders)
        lost = sorted(declared - holders)
        warning = None
        if lost:
            text = self.lost_seats_warning(declaration.product_code, lost, none_left=not held)
            warning = self._hidden(text, declaration.secret)
        if not held:
            return Refreshed(None, warning)
        still = Declaration(declaration.product_code, held, declaration.exclusive)
        return Refreshed(SeatOutputs.of(still, holders), warning)

    def delete(self, declaration: Declaration) -> None:
        """Give back the seats of every declared user; users without one are fine.

        All or nothing: if a batch fails, the seats given back so far are assigned again,
        so the state (which keeps the resource) still matches Datadog.
        """
        with self._hiding(declaration.secret):
            release_or_restore(self.api, declaration.product_code, sorted(declaration.users))

    def adopt(self, product_code: str, users: AbstractSet[str] | None) -> SeatOutputs:
        """The outputs of an imported SeatAssignment: ``users`` (None: every holder), each of
        whom must hold a seat of ``product_code`` already. Nothing is written."""
        holders = self.api.holders(product_code)
        if users is None:
            if not holders:
                raise SeatsError(
                    f"Nobody holds a seat of {product_code!r}: there is nothing to import. "
                    "Check the product code (incident_response, on_call, ...), or declare the "
                    "users in a new SeatAssignment instead."
                )
            users = holders
        missing = sorted(users - holders)
        if missing:
            raise SeatsError(
                f"{len(missing)} of the user(s) to import hold no seat of {product_code!r}: "
                f"{', '.join(missing)}. Import only current holders (leave out the users to "
                "import every holder), or declare new users in the program and run `pulumi up`."
            )
        return SeatOutputs.of(Declaration(product_code, frozenset(users)), holders)

    # -- rules shared by the steps -------------------------------------------------------

    def lost_seats_warning(self, product_code: str, lost: Sequence[str], none_left: bool) -> str:
        """What a refresh says when declared users no longer hold a seat of the product."""
        after = (
            "No declared user holds a seat any more, so the resource leaves the state and the "
            "next `pulumi up` creates it again"
            if none_left
            else "The next `pulumi up` assigns their seats again"
        )
        return (
            f"{len(lost)} declared user(s) no longer hold a seat of {product_code!r}: "
            f"{', '.join(lost)}. The seat was taken outside this stack (in Datadog, or by "
            f"another stack that declared the same user and gave it back). {after}; remove "
            f"them from {self.spelling[USER_UUIDS]} if they should go without one."
        )

    def _converge(self, declaration: Declaration, previously: AbstractSet[str]) -> SeatOutputs:
        product_code, declared = declaration.product_code, declaration.users
        with self._hiding(declaration.secret):
            if declaration.exclusive:
                self.claims.claim(product_code, declared, self.spelling)
            converge(self.api, product_code, declared, previously, exclusive=declaration.exclusive)
            return SeatOutputs.of(declaration, self.api.holders(product_code))

    def _hidden(self, message: str, secret: bool) -> str:
        return hide_user_uuids(message, secret, self.spelling[USER_UUIDS])

    @contextmanager
    def _hiding(self, secret: bool) -> Iterator[None]:
        """Re-raise a seats error without the user UUIDs it names when ``secret``.

        The engine prints the message of a failed step as it is; the UUIDs of a secret
        declaration (and the other holders named beside them) must not show there.
        """
        try:
            yield
        except SeatsError as exc:
            if not secret:
                raise
            raise SeatAssignmentError(self._hidden(str(exc), secret)) from None


def declaration_of(props: Mapping[str, Any], *, secret: bool = False) -> Declaration:
    """The declaration in checked inputs or outputs (by property name).

    States written by 0.1.0 have no ``exclusive``: missing means False. Values that are
    not user UUIDs (unknowns, which create and update never see) are left out.
    """
    product_code = props.get(PRODUCT_CODE)
    return Declaration(
        product_code=product_code if isinstance(product_code, str) else "",
        users=frozenset(user_uuid_set(_list(props.get(USER_UUIDS)))),
        exclusive=props.get(EXCLUSIVE) is True,
        secret=secret,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
