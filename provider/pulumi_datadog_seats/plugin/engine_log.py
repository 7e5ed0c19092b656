"""Warnings the plugin sends to the engine, which prints them with the command's output.

A provider plugin talks to the engine over gRPC at the address the engine gives it as its
first argument (the dynamic provider's ``pulumi.log.warn`` goes the same way).
"""

from __future__ import annotations

import threading

import grpc  # type: ignore[import-untyped]
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc


class EngineLog:
    """The engine's log, reached at ``engine_address``; the channel is opened on first use."""

    def __init__(self, engine_address: str) -> None:
        self._address = engine_address
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self._lock = threading.Lock()

    def warn(self, urn: str, message: str) -> None:
        """Print ``message`` as a warning of the resource ``urn``."""
        request = engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message, urn=urn)
        self._engine().Log(request)

    def _engine(self) -> engine_pb2_grpc.EngineStub:
        with self._lock:
            if self._stub is None:
                self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(self._address))
            return self._stub
