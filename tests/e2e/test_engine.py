"""First proof: the engine, the program host and the dynamic-provider plugin work together."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pulumi
import pulumi.dynamic

from .harness import Engine, stack_run


def counter_program(value: str, log_file: Path):
    """A program with one minimal dynamic resource whose provider appends to ``log_file``."""

    def program() -> None:
        # Defined inside the function, so dill pickles the class by value into the state
        # and the provider process needs nothing from this test module.
        class CounterProvider(pulumi.dynamic.ResourceProvider):
            def create(self, props):
                with open(props["log"], "a") as fh:
                    fh.write(f"create {props['value']}\n")
                return pulumi.dynamic.CreateResult("counter-1", props)

            def delete(self, _id, props):
                with open(props["log"], "a") as fh:
                    fh.write(f"delete {props['value']}\n")

        class Counter(pulumi.dynamic.Resource):
            value: pulumi.Output[str]

            def __init__(self, name: str, value: str) -> None:
                super().__init__(CounterProvider(), name, {"value": value, "log": str(log_file)})

        counter = Counter("counter", value)
        pulumi.export("value", counter.value)

    return program


def test_up_preview_destroy_through_the_real_engine(engine: Engine, project_dir: Path) -> None:
    log_file = project_dir / "provider.log"
    with stack_run(engine, project_dir, counter_program("seven", log_file)) as run:
        up = run.up()
        assert up.outputs["value"].value == "seven"
        assert up.summary.resource_changes == {"create": 2}
        # The provider ran in the engine's plugin process, not in this test process.
        assert log_file.read_text() == "create seven\n"

        run.preview(expect_no_changes=True)

        # The engine is the same version as the Python SDK, as ensure-pulumi promises.
        assert run.cli("version").stdout.strip() == f"v{version('pulumi')}"

        run.destroy()
        assert log_file.read_text() == "create seven\ndelete seven\n"
