# Two commands on a fresh machine: `make demo` and `make test`. Both set themselves up first.
VENV   := .venv
STAMP  := $(VENV)/.bootstrapped
BIN    := $(VENV)/bin

.PHONY: setup demo test test-fast bench lock clean airflow airflow-stop

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml scripts/bootstrap.sh
	scripts/bootstrap.sh
	touch $(STAMP)

# The demo's length in business days: `make demo DAYS=30` runs a whole month. The default aims at about
# five minutes on an idle 2-core machine (docs/performance.md: what a night costs, what was measured).
DAYS ?= 10

demo: $(STAMP)
	$(BIN)/arrears demo --days $(DAYS)

# Units of work are whole modules, longest first (tests/conftest.py): keep that order.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=25

# Skip the end-to-end tests (dbt builds, airflow dags test) while iterating.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder -m "not slow"

# Airflow standalone (scheduler, dag-processor, triggerer, API server + UI) in the background, AIRFLOW_HOME
# in .airflow/; prints the UI address and the admin password. Other airflow commands: scripts/airflow.sh ARGS.
airflow: $(STAMP)
	scripts/airflow.sh start

airflow-stop:
	scripts/airflow.sh stop

bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py

# Re-resolve the lock after changing dependencies in pyproject.toml.
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf landing warehouse outbox .pytest_cache
