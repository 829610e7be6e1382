# The two commands: `make up` runs the whole platform locally, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared services/contacts services/sales services/marketing services/contracts \
            services/analytics gateway deploy/cli
PYPROJECTS := pyproject.toml $(addsuffix /pyproject.toml,$(PACKAGES))

.PHONY: up test install lint typecheck unit bench bench-scale bench-sales clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python $(PYPROJECTS)
	$(BIN)/python -m pip install -q $(addprefix -e ,$(PACKAGES)) -e '.[dev]'
	touch $@

install: $(VENV)/.installed

up: install
	$(BIN)/crm up $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit

test: lint typecheck
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench.contacts_create $(ARGS)

# Import, duplicate scan and search over a million contacts, one run (several minutes).
bench-scale: install
	$(BIN)/python -m bench.contacts_scale $(ARGS)

# Deal list and forecast over 100,000 deals.
bench-sales: install
	$(BIN)/python -m bench.sales_scale $(ARGS)

clean:
	rm -rf $(VENV) .crm .pytest_cache .mypy_cache .ruff_cache
