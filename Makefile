# The two commands of the README:
#   make demo   the quickstart `pulumi up` against a local Seats API emulator
#   make test   lint, types, every test tier (unit, emulator, e2e with the real engine), and the
#               unit tier on every other supported Python found (3.10-3.13)
# Each installs what it needs: a virtualenv in .venv and the Pulumi engine in ~/.cache.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Three on two cores: e2e tests spend much of their time waiting on the engine and the API,
# and a third worker keeps both cores busier (measured: 162% of two cores with two
# workers, 178% with three).
PYTEST_WORKERS ?= 3

.PHONY: demo test venv engine emulator emulator-stop lint unit bench reliability clean schema docs sdk dist

demo: venv
	PYTHON=$(PY) scripts/ensure-pulumi >/dev/null
	$(PY) scripts/demo.py

# The other Pythons' unit tier (scripts/python_matrix.py, one worker) runs beside the main
# run, on the CPU its waits leave idle; its report is printed after the main run's.
test: venv lint
	PYTHON=$(PY) scripts/ensure-pulumi >/dev/null
	@log=$$(mktemp); \
	$(PY) scripts/python_matrix.py --workers 1 >$$log 2>&1 & matrix=$$!; \
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider --durations=20 tests; \
	status=$$?; wait $$matrix; matrix_status=$$?; cat $$log; rm -f $$log; \
	exit $$(( status || matrix_status ))

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml emulator/pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "Python 3.10 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]' -e ./emulator
	touch $@

engine: venv
	PYTHON=$(PY) scripts/ensure-pulumi

# Hands-on use: `eval "$$(scripts/ensure-pulumi --env)"` puts pulumi and .venv in the shell;
# `make emulator` starts a Seats API emulator in the background and prints its config;
# `make emulator TLS=1` serves it over https:// with a CA made for it (and says how to trust it).
emulator: venv
	$(PY) scripts/emulator.py start $(if $(TLS),--tls)

emulator-stop:
	$(PY) scripts/emulator.py stop

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

unit: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider tests/unit tests/emulator

bench: venv
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	PYTHON=$(PY) scripts/ensure-pulumi >/dev/null
	$(PY) -m bench
	$(PY) -m bench.frozen

# The long run of the seeded property-based invariants (make test runs a short one):
#   make reliability SEATS_INVARIANT_EXAMPLES=5000 SEATS_INVARIANT_SEED=42
SEATS_INVARIANT_EXAMPLES ?= 1000
reliability: venv
	SEATS_INVARIANT_EXAMPLES=$(SEATS_INVARIANT_EXAMPLES) SEATS_INVARIANT_SEED=$${SEATS_INVARIANT_SEED:-$$(date +%s)} \
	  $(PY) -m pytest -p no:cacheprovider -p no:xdist -q tests/emulator/test_invariants.py

# The plugin's schema, checked in beside the plugin (tests fail when it is stale).
SCHEMA := provider/pulumi_datadog_seats/plugin/schema.json
schema: venv
	$(PY) -c 'from pulumi_datadog_seats.plugin.schema import schema_json; print(schema_json())' > $(SCHEMA)

# The generated pages under docs/ (reference pages from schema.json, the configuration page
# with its tables from the settings): tests fail when they are stale. Edit docs/templates/.
docs: schema
	$(PY) scripts/gen_docs.py

# The TypeScript, Go and Python SDKs generated from it, checked in as sdk/nodejs, sdk/go and
# sdk/python (sdk/README.md; tests fail when they are stale). scripts/build-python-sdk builds
# the Python SDK's wheel into dist/.
sdk: schema
	scripts/gen-sdk --lock sdk

# What a release publishes, into dist/ (docs/release.md): the plugin's archive for this
# machine's platform, the wheel and sdist, the TypeScript SDK's npm tarball, SHA256SUMS.
dist: venv
	PYTHON=$(PY) scripts/build-dist

clean:
	rm -rf $(VENV) .pulumi-demo .emulator .mypy_cache .ruff_cache dist
