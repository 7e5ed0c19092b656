// Datadog seats from Go: the people named in stack config, plus everyone who holds a seat
// of another product today (read from Datadog at every run), hold an incident_response
// seat. The same program as examples/typescript, on the Go SDK (sdk/go).
package main

import (
	"sort"

	"github.com/pulumi-datadog-seats/pulumi-datadog-seats/sdk/go/datadogseats"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(program)
}

func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	productCode := cfg.Get("productCode")
	if productCode == "" {
		productCode = "incident_response"
	}
	alsoHoldersOf := cfg.Get("alsoHoldersOf")
	if alsoHoldersOf == "" {
		alsoHoldersOf = "on_call"
	}
	// `pulumi config set --path 'userUuids[0]' <uuid>`, one line per user.
	var named []string
	cfg.RequireObject("userUuids", &named)

	// Who holds a seat of this other product now, e.g. on_call seats handed out in Datadog.
	others := datadogseats.GetSeatHoldersOutput(ctx, datadogseats.GetSeatHoldersOutputArgs{
		ProductCode: pulumi.String(alsoHoldersOf),
	})
	users := others.UserUuids().ApplyT(func(holders []string) []string {
		return union(named, holders)
	}).(pulumi.StringArrayOutput)

	responders, err := datadogseats.NewSeatAssignment(ctx, "responders", &datadogseats.SeatAssignmentArgs{
		ProductCode: pulumi.String(productCode),
		UserUuids:   users,
	})
	if err != nil {
		return err
	}
	ctx.Export("assignedIds", responders.AssignedIds)
	ctx.Export("alsoFrom", others.UserUuids())
	return nil
}

// union is every UUID of a and b once, sorted.
func union(a, b []string) []string {
	seen := map[string]bool{}
	all := []string{}
	for _, id := range append(append([]string{}, a...), b...) {
		if !seen[id] {
			seen[id] = true
			all = append(all, id)
		}
	}
	sort.Strings(all)
	return all
}
