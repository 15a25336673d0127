# Yixun: `make run` serves the demo, `make test` checks everything. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PROJECT_ENVIRONMENT := .venv
export UV_PYTHON_DOWNLOADS := never
# scripts/ensure-uv installs uv with `pip --user` on a fresh machine; its bin folder is rarely on PATH.
export PATH := $(shell python3 -m site --user-base)/bin:$(PATH)
PY := .venv/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes: one per core (a 2-core machine runs the suite in about half the time).
WORKERS ?= $(shell python3 -c "import os; print(min(4, os.cpu_count() or 1))")

.PHONY: help venv setup run test check lint typecheck pytest api-deep a11y bench bench-rush bench-push translations messages lock clean

help:
	@echo "make run    set up and serve Yixun with a demo association at http://$(HOST):$(PORT)"
	@echo "make test   set up and run every check and test (lint, types, migrations, pytest, browser)"
	@echo "make bench  measure throughput against a baseline view (PostgreSQL, gunicorn)"
	@echo "make api-deep  the API against its OpenAPI document, in depth (schemathesis)"
	@echo "make a11y  every page each role reaches, checked by axe-core at 360 px"

venv: .venv/.synced
.venv/.synced: pyproject.toml uv.lock
	@scripts/ensure-uv
	uv sync --frozen --quiet
	@touch $@

translations: venv
	@$(PY) scripts/compile_messages.py

setup: venv translations
	@$(MANAGE) migrate --no-input -v 0
	@$(MANAGE) demo --if-empty

run: setup
	@HOST=$(HOST) PORT=$(PORT) scripts/serve

check: venv translations
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy yixun
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

# The API's conformance to its document (schemathesis) is `make api-deep`'s, which CI runs: a
# county built for each of its 130 operations took a minute of `make test`'s five.
pytest: venv translations
	@scripts/ensure-chromium
	.venv/bin/pytest -q -n $(WORKERS) --dist loadgroup \
		--ignore=yixun/api/tests/test_schema_conformance.py $(PYTEST_ARGS)

test: check pytest

# The API against its own document, in depth: schemathesis with every check, as each person of
# the cast, with many more examples than the short pass `make test` runs (API_EXAMPLES each).
API_EXAMPLES ?= 100
api-deep: venv translations
	YIXUN_API_DEPTH=deep YIXUN_API_EXAMPLES=$(API_EXAMPLES) \
		.venv/bin/pytest -q -n $(WORKERS) yixun/api/tests/test_schema_conformance.py $(PYTEST_ARGS)

# Each role's main pages, on a phone and a desk: axe-core (npm, package-lock.json) finds no
# serious or critical problem, and every target is 44×44 px. Then each role signs in to the
# small demo county and follows every link it can reach; axe-core checks one page of each kind
# at 360 px. Fails on serious or critical.
a11y: venv translations
	@scripts/ensure-chromium
	@scripts/ensure-axe
	.venv/bin/pytest -q tests/browser/check_main_pages_accessibility.py tests/browser/crawl_accessibility.py $(PYTEST_ARGS)

bench: venv translations
	$(PY) bench/run.py $(BENCH_ARGS)

bench-rush: venv translations
	$(PY) bench/run.py --only rush --reuse $(BENCH_ARGS)

bench-push: venv translations
	$(PY) bench/run.py --only push --reuse $(BENCH_ARGS)

messages: venv
	$(MANAGE) makemessages --locale zh_Hans --no-obsolete --ignore ".venv/*" --ignore "tests/*" --ignore "*/tests/*" --ignore "bench/*" --ignore "node_modules/*"
	$(PY) scripts/compile_messages.py

lock:
	@scripts/ensure-uv
	uv lock

clean:
	rm -rf .venv var
