"""The entry point of ``pulumi-resource-datadog-seats``: serve :class:`SeatsProvider` over gRPC.

The engine starts the plugin with its own address as the first argument; the
plugin prints the port it listens on and serves until the engine stops it.

This is ``pulumi.provider.experimental.server.main`` with two changes. An
exception in a handler is answered with its message alone: the stock server
lets grpc answer it, which prefixes every message the user sees with
``Unexpected <class 'pulumi_datadog_seats....'>:`` (and from pulumi 3.260 on,
follows it with the frames of a traceback). And the handlers' blocking work
(``asyncio.to_thread``) runs on :data:`MAX_CONCURRENT_REQUESTS` threads: asyncio's
default, ``min(32, CPUs + 4)``, would let 6 writes run at once on 2 CPUs while the
engine asks for 8 (``--parallel``, 4 x the CPUs by default).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
import grpc.aio  # type: ignore[import-untyped]
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from ..api.transport import MAX_CONCURRENT_REQUESTS
from ..errors import SeatsError
from ..version import package_version
from .engine_log import EngineLog
from .language import spelling_of_program
from .provider import SeatsProvider

#: The RPCs whose failures are worded for the user (the others keep the stock behaviour).
_REPORTED = (
    "GetSchema",
    "CheckConfig",
    "DiffConfig",
    "Configure",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "Invoke",
)

#: As pulumi's own plugin servers: large messages, no idle cut-off within half an hour.
_GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.server_max_unrequested_time_in_server", 30 * 60),
]

_Handler = Callable[[Any, Any, Any], Awaitable[Any]]


def error_message(exc: BaseException, provider: SeatsProvider) -> str:
    """What the user sees for a failed call: our errors as they are, bugs with their type.

    Whatever the message, configured keys are replaced by ``***``.
    """
    exc = raised(exc)
    ours = isinstance(exc, SeatsError)
    return provider.scrub(str(exc) if ours else f"{type(exc).__name__}: {exc}")


def raised(exc: BaseException) -> BaseException:
    """The exception a handler raised. From pulumi 3.260 on, the stock handlers catch it and
    raise in its place an ``Exception`` of its message followed by its frames (the one
    raised is the new one's context): the user would see a traceback below the message."""
    while type(exc) is Exception and exc.__context__ is not None:
        exc = exc.__context__
    return exc


def _reported(method: _Handler) -> _Handler:
    async def handler(self: _Servicer, request: Any, context: Any) -> Any:
        try:
            return await method(self, request, context)
        except Exception as exc:
            await context.abort(grpc.StatusCode.UNKNOWN, error_message(exc, self.seats))

    handler.__name__ = method.__name__
    handler.__doc__ = method.__doc__
    return handler


class _Servicer(ProviderServicer):
    """The stock servicer, with the RPCs of :data:`_REPORTED` answering clean messages."""

    def __init__(self, args: list[str], version: str, provider: SeatsProvider, engine: str):
        super().__init__(args, version, provider, engine_address=engine)
        self.seats = provider


for _name in _REPORTED:
    setattr(_Servicer, _name, _reported(getattr(ProviderServicer, _name)))


async def serve(provider: SeatsProvider, engine_address: str, args: list[str]) -> None:
    """Listen on a free loopback port, print it (the engine reads it), serve until stopped."""
    workers = ThreadPoolExecutor(MAX_CONCURRENT_REQUESTS, thread_name_prefix="seats")
    asyncio.get_running_loop().set_default_executor(workers)
    server = grpc.aio.server(options=_GRPC_OPTIONS)
    servicer = _Servicer(args, package_version(), provider, engine_address)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    """Run the provider plugin (console script ``pulumi-resource-datadog-seats``)."""
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-datadog-seats",
        description=(
            "The datadog-seats Pulumi provider plugin. The Pulumi engine starts it; "
            "it is not meant to be run by hand."
        ),
    )
    parser.add_argument("engine", help="the Pulumi engine's address")
    args = list(sys.argv[1:] if argv is None else argv)
    known, _ = parser.parse_known_args(args)
    with contextlib.suppress(KeyboardInterrupt):
        # The engine starts a plugin in the program's project directory.
        spelling = spelling_of_program(Path.cwd())
        provider = SeatsProvider(warn=EngineLog(known.engine).warn, spelling=spelling)
        asyncio.run(serve(provider, known.engine, args))
