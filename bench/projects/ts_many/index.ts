// bench-seats on the TypeScript SDK: N SeatAssignments of the provider plugin, one per entry
// of the JSON list in `usersFile` (each entry the user UUIDs of one SeatAssignment).
//
// The bench links node_modules made from examples/typescript's package-lock.json (the SDK
// and @pulumi/pulumi) and adds the plugin through `plugins.providers` to its copy of
// Pulumi.yaml.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as seats from "@pulumi-datadog-seats/datadog-seats";

const config = new pulumi.Config();
const productCode = config.require("productCode");
const groups: string[][] = JSON.parse(fs.readFileSync(config.require("usersFile"), "utf8"));

groups.forEach((userUuids, index) => {
    new seats.SeatAssignment(`seats-${index}`, { productCode, userUuids });
});
