# srkb — two commands do all set-up on a fresh machine:
#   make run    create .venv, install srkb, serve the campus demo on 127.0.0.1:8000 (embedded store)
#   make test   create .venv, install srkb with test extras (and Java for HermiT), run lint + all tests
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STORE ?= data/demo-store
PYTEST_ARGS ?=

.PHONY: run test lint install install-test system-deps bench bench-load clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# System packages the tests need: Java for HermiT (owlready2); Debian's Chromium for the browser
# tests (driven by the playwright package with executable_path; no browser is ever downloaded);
# Virtuoso 7 for the Virtuoso backend tests (virtuoso-opensource-7-bin holds only the binaries:
# no service scripts, nothing starts; the tests start their own servers on free loopback ports).
system-deps:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing Java (needed by HermiT)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
	@test -x /usr/bin/chromium || { \
	  echo "Installing Chromium (needed by the browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1 || { \
	  echo "Installing Virtuoso 7 (needed by the Virtuoso backend tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7-bin; }

run: install
	$(VENV)/bin/srkb --store $(STORE) serve --demo --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: install-test system-deps lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Benchmarks, not part of `make test`: generate, load, infer, validate, ask, impact, report at
# BENCH_SIZES triples beside rdflib/owlrl/pySHACL (capped at BENCH_CAP s), then HTTP latency and
# sustained load on 127.0.0.1. Results: bench/results/<date>.json and bench/results/latest.md.
# Run on a quiet machine, e.g. `make bench BENCH_SIZES=10k,100k BENCH_REPS=5`. BENCH_REMOTE=1 runs
# srkb against an endpoint on 127.0.0.1 instead: BENCH_ENGINE=oxigraph (default) or virtuoso.
BENCH_SIZES ?= 10k,100k,1M
BENCH_REPS ?= 3
BENCH_CAP ?= 300
BENCH_REMOTE ?= 0
BENCH_ENGINE ?= oxigraph
bench: install-test
	BENCH_SIZES=$(BENCH_SIZES) BENCH_REPS=$(BENCH_REPS) BENCH_CAP=$(BENCH_CAP) \
	  BENCH_REMOTE=$(BENCH_REMOTE) BENCH_ENGINE=$(BENCH_ENGINE) $(PY) -m bench.run

# HTTP load test, not part of `make test`: srkb serve on 127.0.0.1 with BENCH_LOAD_SIZE triples
# (generated once into bench/out/), concurrent requests from the first second, p50/p99 per route,
# then BENCH_LOAD_CLIENTS clients for BENCH_LOAD_DURATION s of SPARQL and ecosystem questions.
# Fails on any failed request or memory growth. Results: bench/results/load-<date>.json and
# bench/results/load-latest.md. E.g. `make bench-load BENCH_LOAD_SIZE=1M BENCH_LOAD_DURATION=60`.
BENCH_LOAD_SIZE ?= 100k
BENCH_LOAD_DURATION ?= 30
BENCH_LOAD_CLIENTS ?= 8
# Then issue 12's attacks, one at a time and all at once, each for BENCH_ATTACK_SECONDS while
# BENCH_ATTACK_CLIENTS clients measure the one-organisation routes (bench/attack_load.py).
# Results: bench/results/attack-<date>.json and bench/results/attack-latest.md.
BENCH_ATTACK_SECONDS ?= 15
BENCH_ATTACK_CLIENTS ?= 4
bench-load: install
	$(PY) -m bench.api_load --cold-start --size $(BENCH_LOAD_SIZE) \
	  --duration $(BENCH_LOAD_DURATION) --clients $(BENCH_LOAD_CLIENTS)
	$(PY) -m bench.attack_load --size $(BENCH_LOAD_SIZE) --seconds $(BENCH_ATTACK_SECONDS) \
	  --clients $(BENCH_ATTACK_CLIENTS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
