"""One minimal dynamic resource: proves the CLI, the language host and the plugin work."""

from typing import Any

import pulumi
import pulumi.dynamic


# Defined in __main__, so dill pickles it by value: the provider process imports nothing.
class CounterProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        with open(props["log"], "a") as fh:
            fh.write(f"create {props['value']}\n")
        return pulumi.dynamic.CreateResult("counter-1", props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        with open(props["log"], "a") as fh:
            fh.write(f"delete {props['value']}\n")


class Counter(pulumi.dynamic.Resource):
    value: pulumi.Output[str]

    def __init__(self, name: str, value: str, log: str) -> None:
        super().__init__(CounterProvider(), name, {"value": value, "log": log})


config = pulumi.Config()
counter = Counter("counter", config.require("value"), config.require("log"))
pulumi.export("value", counter.value)
