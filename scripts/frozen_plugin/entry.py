"""What the frozen plugin runs: the console script ``pulumi-resource-datadog-seats``.

scripts/build-plugin-archive freezes this file with PyInstaller; it is the
``pulumi_datadog_seats.plugin:main`` entry point of pyproject.toml, nothing more.
"""

from pulumi_datadog_seats.plugin import main

if __name__ == "__main__":
    main()
