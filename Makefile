# Two entry points: `make demo` runs the product on embedded defaults, `make test` runs every check.
# Both do their own set-up on a fresh machine (virtualenv, packages, local servers).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint services schemas screenshots clean

$(STAMP): pyproject.toml
	bash scripts/bootstrap-venv.sh "$(PYTHON)" "$(VENV)"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/collector demo

services:
	bash scripts/ensure-services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# two workers, a test file each at a time (a file's fixtures and its servers stay together):
# 19 min here against over 30 in one process
test: $(STAMP) services lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# pictures of every console page from the demo's data, into docs/screenshots/ and docs/console.md
screenshots: $(STAMP)
	bash scripts/ensure-services.sh
	$(BIN)/python scripts/screenshots.py

schemas: $(STAMP)
	$(BIN)/python -m edge_agent.wire > docs/wire-schema.json
	$(BIN)/collector api --print-openapi > docs/openapi.json

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
