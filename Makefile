# Two commands: `make run` (a living demo on http://127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-deps build-deps messages migrate lint format bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	@scripts/system-deps.sh --build
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed messages
	@mkdir -p var

messages: $(VENV)/.installed
	@$(PY) scripts/compile_messages.py

migrate: setup
	$(PY) manage.py migrate --noinput

run: migrate
	DEMO_URL=http://$(HOST):$(PORT)/ $(PY) manage.py seed_demo
	@echo ""
	@echo "  Intranet : http://$(HOST):$(PORT)/   (Ctrl+C pour arrêter)"
	@echo ""
	$(BIN)/daphne -b $(HOST) -p $(PORT) intranet.asgi:application

system-deps:
	@scripts/system-deps.sh

build-deps:
	@scripts/system-deps.sh --build

test: system-deps setup
	scripts/test.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark with its size and repetitions fixed in bench/_table.py (PostgreSQL required: a benchmark that
# cannot run says why), then one table of every figure, its target, and met / missed.
bench: setup
	$(PY) bench/_table.py

clean:
	rm -rf var/intranet.sqlite3* var/static
