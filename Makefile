# wellbeing-warehouse: `make demo` and `make test` work on a fresh clone with only Python 3.11 installed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install manifest demo test test-fast serve ui clean help

help:
	@echo "make demo   - install, generate demo data, materialise everything, show where the results are"
	@echo "make test   - install and run the whole test suite"
	@echo "make test-fast - the tests that need neither PostgreSQL nor Chromium nor a whole pipeline run (~2 min)"
	@echo "make ui     - open the Dagster UI on http://127.0.0.1:3000 (WB_PSEUDONYM_KEY, or DEMO=1 after make demo)"
	@echo "make serve  - webserver + daemon on PostgreSQL (WB_DAGSTER_PG_URL), schedules and sensors running"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Pinned set (constraints.txt): an unpinned resolve backtracks to years-old dagster-dbt and dbt-core.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) manifest

# DuckDB 1.4 beside the project's 2.0 (in its own folder, never on the path): only the test that opens the
# published copy the way BI connectors and ODBC drivers bundling 1.4 do (tests/exports) imports it.
DUCKDB14 := $(VENV)/duckdb14/.installed
$(DUCKDB14): $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade --no-deps --target $(VENV)/duckdb14 'duckdb==1.4.*'
	touch $(DUCKDB14)

# dagster-dbt needs dbt's manifest before the definitions load outside `dagster dev`.
manifest: $(STAMP)
	cd dbt_project && WB_WAREHOUSE_PATH=$(CURDIR)/.venv/parse.duckdb ../$(BIN)/dbt parse --quiet \
	  --profiles-dir . --target-path target

# The demo opt-in (WB_DEMO=1): the public demo key (assets/common/settings.py) for the demo data, never real data.
demo: install
	@if [ -z "$$WB_PSEUDONYM_KEY" ]; then \
	  echo "make demo: demo data, pseudonymised with the public DEMO key (WB_DEMO=1); never use it for real data."; fi
	WB_DEMO=1 $(BIN)/wellbeing demo-data
	WB_DEMO=1 $(BIN)/wellbeing materialize
	@$(BIN)/python -m orchestration.where

# Debian's chromium for the UI test (tests/operations/test_ui_browser.py): Playwright drives it and downloads no
# browser of its own. Installed when we are root on Debian (CI); elsewhere the test says how to get it.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is not installed: apt-get install chromium (the UI test is skipped without it)"; fi

test: install $(DUCKDB14) $(CHROMIUM)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# The lanes are in tests/conftest.py (LANES).
test-fast: install
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not slow and not postgres and not browser"

# ui and serve take the key from WB_PSEUDONYM_KEY; the demo's key only when asked: `make ui DEMO=1`.
KEY_OR_DEMO = if [ "$(DEMO)" = 1 ] && [ -n "$$WB_PSEUDONYM_KEY" ]; then export WB_DEMO=1; \
	  echo "DEMO=1: WB_PSEUDONYM_KEY is set and used (WB_DEMO=1 only allows a short key); never WB_DEMO for real data."; \
	elif [ "$(DEMO)" = 1 ]; then export WB_DEMO=1; \
	  echo "DEMO=1: the public DEMO pseudonymisation key (WB_DEMO=1); never use it for real data."; \
	elif [ -z "$$WB_PSEUDONYM_KEY" ]; then \
	  echo "WB_PSEUDONYM_KEY is not set: set your key, or DEMO=1 for the demo data of make demo" >&2; exit 2; fi

ui: install
	@$(KEY_OR_DEMO); DAGSTER_HOME=$${DAGSTER_HOME:-$${WB_DATA_DIR:-$(CURDIR)/data}/dagster_home} WB_AUTOMATION=off \
	  $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# A deployment: Dagster's storage on PostgreSQL, webserver and daemon (schedules, sensors, run queue).
serve: $(STAMP)  # the definitions build dbt's manifest themselves when it is missing or stale
	@$(KEY_OR_DEMO); deploy/serve

clean:
	rm -rf data dbt_project/target dbt_project/logs
