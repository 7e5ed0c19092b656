"""The package's version: one reader, for the User-Agent, the plugin and its schema."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "pulumi-datadog-seats"


def package_version() -> str:
    """The version of the installed distribution (pyproject.toml's), which is also the
    plugin's and the schema's; ``0.0.0+unknown`` from a source tree never installed."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0.0.0+unknown"
