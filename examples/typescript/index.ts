// Datadog seats from TypeScript: the people named in stack config (by UUID or by email),
// plus everyone who holds a seat of another product today (read from Datadog at every
// run), hold an incident_response seat.
//
// The resource is served by the datadog-seats provider plugin (pulumi-resource-datadog-seats,
// installed with the pulumi-datadog-seats Python package); README.md says how to run it.
import * as pulumi from "@pulumi/pulumi";
import * as seats from "@pulumi-datadog-seats/datadog-seats";

const config = new pulumi.Config();
const productCode = config.get("productCode") ?? "incident_response";
// `pulumi config set --path 'userUuids[0]' <uuid>`, one line per user.
const named = config.requireObject<string[]>("userUuids");
// `pulumi config set --path 'emails[0]' alice@example.com`: the active Datadog user of each
// email (case does not matter; an unknown or disabled user fails the run, naming them).
const byEmail = seats.lookupUserUuidsOutput({
    emails: config.getObject<string[]>("emails") ?? [],
});

// Who holds a seat of this other product now, e.g. on_call seats handed out in Datadog.
const others = seats.getSeatHoldersOutput({
    productCode: config.get("alsoHoldersOf") ?? "on_call",
});

const responders = new seats.SeatAssignment("responders", {
    productCode,
    userUuids: pulumi
        .all([byEmail.userUuids, others.userUuids])
        .apply(([found, holders]) => [...new Set([...named, ...found, ...holders])]),
});

export const assignedIds = responders.assignedIds;
export const alsoFrom = others.userUuids;
export const byEmailIds = byEmail.userUuids;
