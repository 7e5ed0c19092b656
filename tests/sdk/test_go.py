"""The Go SDK is a module that builds and vets; examples/go builds, vets and passes its
`go test` under Pulumi's mocks (tests/e2e/test_go.py runs it through the CLI)."""

from __future__ import annotations

from pathlib import Path

from ..toolchains import ROOT, SDK, go_env, run

EXAMPLE = ROOT / "examples" / "go"


def test_the_go_sdk_builds_and_vets() -> None:
    run(["go", "build", "./..."], cwd=SDK / "go", env=go_env())
    run(["go", "vet", "./..."], cwd=SDK / "go", env=go_env())


def test_the_go_example_builds_vets_and_its_mock_test_passes(tmp_path: Path) -> None:
    run(["go", "build", "-o", tmp_path / "seats-go", "."], cwd=EXAMPLE, env=go_env())
    run(["go", "vet", "./..."], cwd=EXAMPLE, env=go_env())
    tested = run(["go", "test", "-count=1", "-v", "./..."], cwd=EXAMPLE, env=go_env())
    assert "--- PASS: TestConfigAndSeatHoldersReachTheSeatAssignment" in tested.stdout
    assert "--- PASS: TestProductsComeFromConfig" in tested.stdout
