"""SeatAssignment: the resource Pulumi programs declare."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any, overload

import pulumi
import pulumi.dynamic
from pulumi.runtime.settings import get_monitor, is_dry_run

from . import descriptions
from .exclusive import Claim, ExclusiveClaims
from .provider import SECRECY_MARKERS, SECRET_MARKER, SECRET_PREVIEW, SeatAssignmentProvider
from .spelling import PYTHON


class SeatAssignmentArgs:
    """The inputs of a :class:`SeatAssignment` (each described in ``__init__``)."""

    def __init__(
        self,
        product_code: pulumi.Input[str],
        user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]],
        exclusive: pulumi.Input[bool] = False,
    ) -> None:
        self.product_code = product_code
        self.user_uuids = user_uuids
        self.exclusive = exclusive


SeatAssignmentArgs.__init__.__doc__ = "\n".join(
    f":param {name}: {descriptions.rst(about)}" for name, about in descriptions.INPUTS.items()
)


class SeatAssignment(pulumi.dynamic.Resource, module="datadog-seats", name="SeatAssignment"):
    # The docstring is the one description of the resource (see below the class).

    product_code: pulumi.Output[str]
    user_uuids: pulumi.Output[list[str]]
    assigned_ids: pulumi.Output[list[str]]
    exclusive: pulumi.Output[bool]
    unmanaged_ids: pulumi.Output[list[str]]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: SeatAssignmentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        product_code: pulumi.Input[str],
        user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]],
        exclusive: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: SeatAssignmentArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        product_code: pulumi.Input[str] | None = None,
        user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        exclusive: pulumi.Input[bool] = False,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs, as a :class:`SeatAssignmentArgs` (or pass them as keywords).
        :param opts: Options such as ``depends_on`` or ``protect``.
        :param product_code: See :class:`SeatAssignmentArgs`.
        :param user_uuids: See :class:`SeatAssignmentArgs`.
        :param exclusive: See :class:`SeatAssignmentArgs`.

        When ``exclusive`` and ``product_code`` are plain values and another SeatAssignment
        of the program also claims the product exclusively, the registration of every one
        of them fails with :class:`ExclusiveClaimError`, so nothing is written.
        """
        if args is None:
            if product_code is None or user_uuids is None:
                missing = [
                    name
                    for name, value in (("product_code", product_code), ("user_uuids", user_uuids))
                    if value is None
                ]
                raise TypeError(
                    f"SeatAssignment {resource_name!r} needs product_code and user_uuids (as "
                    f"keywords or in a SeatAssignmentArgs); missing: {', '.join(missing)}. "
                    "product_code names a Datadog product such as 'incident_response'; "
                    "user_uuids is a non-empty list of Datadog user UUIDs."
                )
            args = SeatAssignmentArgs(
                product_code=product_code, user_uuids=user_uuids, exclusive=exclusive
            )
        # None, or a marker secret exactly when user_uuids is: see _secrecy_marker.
        marker = _secrecy_marker(args.user_uuids)
        props: dict[str, Any] = {
            "product_code": args.product_code,
            "user_uuids": args.user_uuids,
            "exclusive": _claim_exclusive(resource_name, args),
            **dict.fromkeys(SECRECY_MARKERS, marker),
        }
        # A replacement creates first (the provider's diff asks for it): a new product that
        # Datadog refuses then takes no seat away, and the old resource's delete leaves
        # the seats the new one declares alone (see SeatLifecycle.delete).
        super().__init__(SeatAssignmentProvider(), resource_name, props, opts)


_OUTPUTS = "\n".join(f"- ``{n}``: {descriptions.rst(t)}" for n, t in descriptions.OUTPUTS.items())
SeatAssignment.__doc__ = f"""{descriptions.rst(descriptions.SEAT_ASSIGNMENT)}

The state of a SeatAssignment holds its own users only, however many other people hold
seats of the product (:func:`~pulumi_datadog_seats.get_seat_holders` lists them).
Credentials come from stack config (``datadog:apiKey``, ``datadog:appKey``,
``datadog:apiUrl``) or the environment (``DD_API_KEY``, ``DD_APP_KEY``,
``DD_SITE``/``DD_HOST``), never from inputs.

Outputs:

{_OUTPUTS}

Example::

    responders = SeatAssignment("responders",
        product_code="incident_response",
        user_uuids=[alice.id, bob.id])
    pulumi.export("seated", responders.assigned_ids)

    # Nobody else holds an on_call seat:
    on_call = SeatAssignment("on-call",
        product_code="on_call",
        user_uuids=[alice.id, carol.id],
        exclusive=True)
"""


def _secrecy_marker(
    user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]],
) -> pulumi.Output[Any] | None:
    """The ``assigned_ids``/``unmanaged_ids`` input: nothing, unless ``user_uuids`` is secret.

    Both outputs name users of ``user_uuids``, so they must be secret whenever it (or any
    element) is. The dynamic-provider host never tells the provider which inputs are secret
    (it configures the engine with ``acceptSecrets=False``), but the engine makes an output
    secret when the input of the same name is. So the program sends, under each name:

    - plain ``user_uuids``: None, which the SDK leaves out (as before this input existed);
    - secret ``user_uuids``: the secret string
      :data:`~pulumi_datadog_seats.provider.SECRET_MARKER`, or during preview
      :data:`~pulumi_datadog_seats.provider.SECRET_PREVIEW` (a secret None would not do:
      the host drops None values before the provider sees them). ``check`` keeps the key,
      whose presence tells the provider that ``user_uuids`` is secret (no message then shows
      its values), with the value ``[]`` for ``pulumi up`` and unknown in preview, so that
      the outputs are unknown in preview as they are without a secret.

    The marker is always known, even while ``user_uuids`` is not, and has no dependencies.
    A list of plain strings cannot be secret: its marker is None at once, without an
    Output (a program of many SeatAssignments of many users would otherwise wrap each
    UUID in one).
    """
    if isinstance(user_uuids, (list, tuple)) and all(isinstance(u, str) for u in user_uuids):
        return None
    source = pulumi.Output.from_input(user_uuids)

    async def value() -> str | None:
        if not await source.is_secret():
            return None
        return SECRET_PREVIEW if is_dry_run() else SECRET_MARKER

    async def known() -> bool:
        return True

    return pulumi.Output(set(), value(), known(), source.is_secret())


class _NoDeployment:
    """The key of claims made outside a Pulumi deployment (no monitor)."""


_NO_DEPLOYMENT = _NoDeployment()
_claims_lock = threading.Lock()
#: Per deployment (its resource monitor), the exclusive claims of its program. Keyed by
#: deployment so that inline programs run twice in one process start afresh.
_claims: weakref.WeakKeyDictionary[object, ExclusiveClaims] = weakref.WeakKeyDictionary()


def _claim_exclusive(resource_name: str, args: SeatAssignmentArgs) -> pulumi.Input[bool]:
    """The ``exclusive`` input, checked against the program's other exclusive claims.

    The rule is the core's (:mod:`.exclusive`: one exclusive SeatAssignment per product);
    this is when a program checks it. A constructor only schedules its resource's
    registration: registrations run once the program body has constructed every
    resource. A plain exclusive claim is therefore recorded now and checked when the
    registration awaits it, so that two claims of one product fail both registrations
    and neither resource is ever created (raising in the second constructor would still
    let the first one be created, and unassign seats). Only plain values can be checked
    here; the provider checks the others.
    """
    if args.exclusive is not True or not isinstance(args.product_code, str):
        return args.exclusive
    deployment = get_monitor() or _NO_DEPLOYMENT
    with _claims_lock:
        claims = _claims.setdefault(deployment, ExclusiveClaims())
    claim = claims.record(args.product_code.strip(), claimant=resource_name)
    return _exclusive_when_alone(claims, claim)


async def _exclusive_when_alone(claims: ExclusiveClaims, claim: Claim) -> bool:
    claims.check(claim, PYTHON)
    return True
