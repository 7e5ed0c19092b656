"""The lifecycle core: what a SeatAssignment does at each step, free of Pulumi.

Both front ends (the dynamic provider in :mod:`.provider`, the provider plugin in
:mod:`.plugin.provider`) are thin adapters over one :class:`SeatLifecycle`: they
translate their wire values into a :class:`~.declaration.Declaration` or a mapping of
checked inputs, call the step, and translate the result back. Every rule is here once:

- check: normalise and validate (:mod:`.validation`), and claim an exclusive product
  (:mod:`.exclusive`) so that a second exclusive declaration fails before any write;
- diff: which changes replace, which users are added and removed, which holders an
  exclusive declaration removes;
- forecast: every user the next ``pulumi up`` unassigns, named by the preview
  (:mod:`.forecast`), and a replacement's new product read before anything is given back;
- create and update: plan and converge, all or nothing (:mod:`.reconcile`), then
  record the outputs (:class:`~.declaration.SeatOutputs`);
- refresh: who still holds a seat, the warning about the others, gone when none does;
- delete: give every declared seat back, or restore them all, but never a seat that a
  declaration created or updated earlier in the same run holds (a replacement creates
  first, then deletes);
- import: adopt current holders;
- secrecy: no message about a secret declaration shows a user UUID.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from .api.seats import SeatsClient
from .api.transport import Transport
from .changes import Diff, compare
from .declaration import EXCLUSIVE, PRODUCT_CODE, USER_UUIDS, Declaration, SeatOutputs
from .errors import ConfigurationError, ExclusiveClaimError, SeatAssignmentError, SeatsError
from .exclusive import ExclusiveClaims
from .forecast import Forecast, forecast_create, forecast_update, unassign_warning
from .holders import HoldersView
from .queries import Queries
from .reconcile import converge
from .redaction import hide_user_uuids
from .release import release_or_restore
from .seat_api import SeatsApi
from .settings import Settings
from .spelling import Spelling
from .validation import CheckOutcome, IsUnknown, check_inputs, known_users, never_unknown


@dataclass(frozen=True)
class Refreshed:
    """What a refresh found: the outputs (None: no declared user holds a seat any more, so
    the resource is gone), and the warning naming those who lost theirs (or None)."""

    outputs: SeatOutputs | None
    warning: str | None

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs a refresh writes back (by property name): the declared users still
        seated, so that the next preview shows the lost seats as a change ``pulumi up``
        restores. Empty when the resource is gone."""
        return self.outputs.inputs() if self.outputs is not None else {}


class SeatLifecycle:
    """The steps of every SeatAssignment one provider process serves. Thread-safe.

    ``spelling`` is how the front end's users write property names in messages.
    :meth:`configure` must run before the steps that call the API. ``check`` and
    ``diff`` also run during preview, with unknown values: they never write, and read
    the holders only to name who the next ``pulumi up`` unassigns.
    """

    def __init__(self, spelling: Spelling) -> None:
        self.spelling = spelling
        # Kept from the start: some engine paths check before they configure.
        self.claims = ExclusiveClaims()
        self._api: HoldersView | None = None
        self._queries: Queries | None = None
        self._misconfigured: ConfigurationError | None = None
        # Per product, the users that a create or update of this process (one engine
        # operation) declared: a delete later in the run leaves their seats alone.
        self._declared_now: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def configure(self, settings: Settings | ConfigurationError) -> None:
        """Build the Seats API client and the process's view of the holders.

        Given the :class:`ConfigurationError` that resolving the settings raised instead,
        :meth:`check` reports it as a failure of every resource (an input error, with no
        traceback whatever the host) and every step that calls the API raises it.
        """
        if isinstance(settings, ConfigurationError):
            self._misconfigured = settings
            return
        self._misconfigured = None
        transport = Transport(settings)  # one HTTP session for the process
        self._api = HoldersView(SeatsClient(settings, transport=transport), settings.batch_size)
        self._queries = Queries(settings, transport)

    @property
    def api(self) -> SeatsApi:
        """The Seats API as the seat logic uses it (raises before :meth:`configure`)."""
        if self._api is None:
            raise self._unconfigured()
        return self._api

    @property
    def queries(self) -> Queries:
        """The lookups programs call (the plugin's functions), on the same HTTP session."""
        if self._queries is None:
            raise self._unconfigured()
        return self._queries

    def _unconfigured(self) -> ConfigurationError:
        return self._misconfigured or ConfigurationError(
            "the datadog-seats provider was used before it was configured"
        )

    # -- no writes: check and diff also run during preview ---------------------------

    def check(
        self,
        inputs: Mapping[str, Any],
        *,
        secret: bool = False,
        is_unknown: IsUnknown = never_unknown,
        creating: bool = False,
        claimant: str | None = None,
    ) -> CheckOutcome:
        """Validate and normalise the inputs (by property name); unknowns pass through.

        A known exclusive declaration is also claimed for its product here, so that a
        second exclusive SeatAssignment of the product fails (during preview, when both
        are known then) before anything is written (:mod:`.exclusive`; ``claimant`` names
        the resource when the front end knows it). When ``creating`` (the engine checks
        a resource with no previous inputs only before it creates one), an exclusive
        declaration lists the product's holders to name, in ``outcome.warning``, those
        the create unassigns.
        """
        outcome = check_inputs(
            inputs.get(PRODUCT_CODE),
            inputs.get(USER_UUIDS),
            is_unknown,
            exclusive=inputs.get(EXCLUSIVE),
            secret=secret,
            spelling=self.spelling,
        )
        if self._misconfigured is not None:
            outcome.failures.insert(0, ("", str(self._misconfigured)))
        checked = outcome.inputs
        if outcome.failures or checked[EXCLUSIVE] is not True or is_unknown(checked[PRODUCT_CODE]):
            return outcome
        known = known_users(checked[USER_UUIDS], is_unknown)
        if known is not None or claimant is not None:
            try:
                self.claims.claim(
                    checked[PRODUCT_CODE], claimant=claimant, users=known, spelling=self.spelling
                )
            except ExclusiveClaimError as exc:
                outcome.failures.append((EXCLUSIVE, self._hidden(str(exc), secret)))
                return outcome
        if creating:
            forecast = forecast_create(checked, is_unknown, self._holders(secret))
            outcome.warning = self._words(forecast, secret)
        return outcome

    def diff(
        self,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        is_unknown: IsUnknown = never_unknown,
        *,
        secret: bool = False,
    ) -> Diff:
        """Compare the previous outputs with the new checked inputs (by property name).

        Users compare as sets of canonical UUIDs (order, case and duplicates are no
        change); a new product code replaces; anything else updates. Unknown values count
        as changes. With ``exclusive`` on, the holders the last create, update or refresh
        found outside the declaration (``unmanaged_ids``) are a change too: ``pulumi up``
        unassigns them.

        When there is a change, ``warning`` names everyone the up unassigns
        (:mod:`.forecast`): an exclusive declaration lists its product's holders for it.
        A replacement lists the new product's holders, the listing its create reads
        anyway, so that a product Datadog refuses fails here, before anything is given
        back.
        """
        diff = compare(olds, news, is_unknown)
        if not diff.has_changes:
            return diff
        holders = self._holders(secret)
        product = news.get(PRODUCT_CODE)
        if diff.replaces and isinstance(product, str) and not is_unknown(product):
            holders(product)  # the create's listing, now: a refusal stops the replacement
        forecast = forecast_update(olds, news, is_unknown, holders)
        return replace(diff, warning=self._words(forecast, secret))

    def _holders(self, secret: bool) -> Callable[[str], AbstractSet[str]]:
        """The holders of a product, as a forecast reads them (the process's view)."""

        def holders(product_code: str) -> AbstractSet[str]:
            with self._hiding(secret):
                return self.api.holders(product_code)

        return holders

    def _words(self, forecast: Forecast | None, secret: bool) -> str | None:
        said = unassign_warning(forecast, self.spelling) if forecast else None
        return self._hidden(said, secret) if said else None

    # -- API calls ---------------------------------------------------------------------

    def create(self, declaration: Declaration, claimant: str | None = None) -> SeatOutputs:
        """Assign seats to every declared user (with ``exclusive``, to them only); all or none."""
        return self._converge(declaration, frozenset(), claimant)

    def update(
        self,
        declaration: Declaration,
        previously: AbstractSet[str],
        claimant: str | None = None,
    ) -> SeatOutputs:
        """Assign the added users, unassign the removed ones; all of it, or nothing.

        Nobody else is touched, unless ``exclusive``: then every holder not declared is
        unassigned too.
        """
        return self._converge(declaration, previously, claimant)

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

        Not the seats of users that a create or update earlier in this run declared for
        the product: the replacement of a resource is created before the old one is
        deleted, and a renamed resource (without an alias) is created under its new name
        first; in both, the new declaration holds those seats now.

        All or nothing: if a batch fails, the seats given back so far are assigned again,
        so the state (which keeps the resource) still matches Datadog.
        """
        product_code = declaration.product_code
        with self._lock:
            kept = frozenset(self._declared_now.get(product_code, ()))
        with self._hiding(declaration.secret):
            release_or_restore(self.api, product_code, sorted(declaration.users - kept))

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

    def _converge(
        self, declaration: Declaration, previously: AbstractSet[str], claimant: str | None
    ) -> SeatOutputs:
        product_code, declared = declaration.product_code, declaration.users
        with self._hiding(declaration.secret):
            if declaration.exclusive:
                self.claims.claim(
                    product_code, claimant=claimant, users=declared, spelling=self.spelling
                )
            converge(self.api, product_code, declared, previously, exclusive=declaration.exclusive)
            with self._lock:
                self._declared_now.setdefault(product_code, set()).update(declared)
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
