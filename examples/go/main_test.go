// The program's wiring, under Pulumi's Go mocks: stack config and the getSeatHolders result
// reach the SeatAssignment's inputs, and its outputs reach the stack's exports. Mocks stand
// in for the engine and the provider: nothing is assigned here (tests/e2e/test_go.py runs
// the program through the CLI against the emulator).
package main

import (
	"encoding/json"
	"sort"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	seatAssignment = "datadog-seats:index:SeatAssignment"
	getSeatHolders = "datadog-seats:index:getSeatHolders"
)

// mocks answers getSeatHolders with fixed holders per product and records every resource;
// a SeatAssignment's outputs are its inputs plus assignedIds: the declared users Datadog
// seated, which here is every one but those in unseatable.
type mocks struct {
	holders    map[string][]string
	unseatable map[string]bool

	mu        sync.Mutex
	resources map[string]resource.PropertyMap // by type and name
	calls     []resource.PropertyMap
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resources[args.TypeToken+"::"+args.Name] = args.Inputs
	outputs := args.Inputs.Copy()
	if args.TypeToken == seatAssignment {
		var seated []resource.PropertyValue
		for _, id := range args.Inputs["userUuids"].ArrayValue() {
			if !m.unseatable[id.StringValue()] {
				seated = append(seated, id)
			}
		}
		outputs["assignedIds"] = resource.NewArrayProperty(seated)
		return args.Inputs["productCode"].StringValue(), outputs, nil
	}
	return args.Name + "-id", outputs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, args.Args)
	if args.Token != getSeatHolders {
		return resource.PropertyMap{}, nil
	}
	product := args.Args["productCode"].StringValue()
	return resource.NewPropertyMapFromMap(map[string]interface{}{
		"productCode": product,
		"userUuids":   m.holders[product],
		"holders":     []interface{}{},
	}), nil
}

func stringsOf(v resource.PropertyValue) []string {
	var out []string
	for _, item := range v.ArrayValue() {
		out = append(out, item.StringValue())
	}
	return out
}

// run runs the program under mocks with this stack config and returns the mocks and the
// resolved exports.
func run(t *testing.T, cfg map[string]string, m *mocks) map[string]interface{} {
	t.Helper()
	encoded, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_CONFIG", string(encoded))
	m.resources = map[string]resource.PropertyMap{}
	exports := map[string]interface{}{}
	var wg sync.WaitGroup
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := program(ctx); err != nil {
			return err
		}
		for name, value := range ctx.GetCurrentExportMap() {
			wg.Add(1)
			pulumi.ToOutput(value).ApplyT(func(v interface{}) interface{} {
				defer wg.Done()
				m.mu.Lock()
				defer m.mu.Unlock()
				exports[name] = v
				return v
			})
		}
		return nil
	}, pulumi.WithMocks("seats-go", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return exports
}

func TestConfigAndSeatHoldersReachTheSeatAssignment(t *testing.T) {
	m := &mocks{
		holders:    map[string][]string{"on_call": {"u-3", "u-1"}, "incident_response": {"u-9"}},
		unseatable: map[string]bool{"u-2": true},
	}
	exports := run(t, map[string]string{"seats-go:userUuids": `["u-2","u-1"]`}, m)

	// getSeatHolders was asked about the default product, on_call.
	if len(m.calls) != 1 || m.calls[0]["productCode"].StringValue() != "on_call" {
		t.Fatalf("getSeatHolders calls: %v", m.calls)
	}
	inputs, ok := m.resources[seatAssignment+"::responders"]
	if !ok {
		t.Fatalf("no SeatAssignment named responders among %v", m.resources)
	}
	if got := inputs["productCode"].StringValue(); got != "incident_response" {
		t.Errorf("productCode = %q", got)
	}
	// The named users and the on_call holders, each once.
	if got, want := stringsOf(inputs["userUuids"]), []string{"u-1", "u-2", "u-3"}; !sameOrder(sorted(got), want) {
		t.Errorf("userUuids = %v, want %v", got, want)
	}

	// The resource's outputs are the stack's exports (u-2 was declared, but not seated).
	if got, want := exported(exports["assignedIds"]), []string{"u-1", "u-3"}; !sameOrder(got, want) {
		t.Errorf("assignedIds export = %v, want %v", got, want)
	}
	if got, want := exported(exports["alsoFrom"]), []string{"u-3", "u-1"}; !sameOrder(got, want) {
		t.Errorf("alsoFrom export = %v, want %v", got, want)
	}
}

func TestProductsComeFromConfig(t *testing.T) {
	m := &mocks{holders: map[string][]string{"incident_response": {"u-7"}}}
	exports := run(t, map[string]string{
		"seats-go:userUuids":     `["u-1"]`,
		"seats-go:productCode":   "on_call",
		"seats-go:alsoHoldersOf": "incident_response",
	}, m)

	if got := m.calls[0]["productCode"].StringValue(); got != "incident_response" {
		t.Errorf("getSeatHolders asked about %q", got)
	}
	inputs := m.resources[seatAssignment+"::responders"]
	if got := inputs["productCode"].StringValue(); got != "on_call" {
		t.Errorf("productCode = %q", got)
	}
	if got, want := exported(exports["assignedIds"]), []string{"u-1", "u-7"}; !sameOrder(got, want) {
		t.Errorf("assignedIds export = %v, want %v", got, want)
	}
}

// sameOrder reports whether a and b hold the same strings in the same order.
func sameOrder(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sorted(a []string) []string {
	c := append([]string{}, a...)
	sort.Strings(c)
	return c
}

// exported is an export's resolved value (a []string or []interface{} of strings) as
// strings; nil for anything else.
func exported(v interface{}) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []interface{}:
		items := []string{}
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil
			}
			items = append(items, s)
		}
		return items
	}
	return nil
}
