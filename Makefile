# srkb — two commands do all set-up on a fresh machine:
#   make run    create .venv, install srkb, serve the campus demo on 127.0.0.1:8000 (embedded store)
#   make test   install missing system packages (see system-deps), create .venv, install srkb with
#               test extras, run lint + all tests
# Variables: HOST, PORT (where make run listens), STORE (its store directory), PYTHON (the
# interpreter that makes .venv), PYTEST_ARGS (extra pytest arguments), PYTEST_WORKERS (pytest-xdist
# processes: auto = one per core, 0 = run in this process, one test after the other), JAVA, CHROMIUM;
# bench below.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STORE ?= data/demo-store
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto
# Tests run in parallel. worksteal hands each worker a contiguous half of the tests (so a module's
# fixtures and a document's blocks are mostly set up once) and moves work to a worker that runs out.
# Not loadscope/loadfile/loadgroup: they key tests by node id, and schemathesis' tests share theirs.
PYTEST_XDIST = -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: run test test-extended lint install install-test system-deps bench bench-load clean

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

# System packages (Debian names) that the tests need, installed by `make system-deps` (and so by
# `make test`) when missing: with apt-get as root or with password-less sudo; otherwise it stops
# and says what to install. --no-install-recommends keeps Chromium's recommends (avahi, cups) out.
#   default-jre-headless  Java, for the HermiT reasoner (owlready2)
#   chromium              Debian's headless browser, for tests/browser (driven by the playwright
#                         package with executable_path: no browser is ever downloaded)
#   curl                  the README's HTTP examples, run by tests/docs
#   virtuoso-opensource-7-bin  Virtuoso 7 for the Virtuoso backend tests (binaries only: no
#                         service scripts, nothing starts; the tests start their own servers)
# JAVA, CHROMIUM, VIRTUOSO and ISQL name the programs looked for.
SYSTEM_PACKAGES := default-jre-headless chromium curl virtuoso-opensource-7-bin
JAVA ?= java
CHROMIUM ?= /usr/bin/chromium
VIRTUOSO ?= virtuoso-t
ISQL ?= isql-vt
system-deps:
	@missing=""; \
	command -v $(JAVA) >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v curl >/dev/null 2>&1 || missing="$$missing curl"; \
	{ command -v $(VIRTUOSO) && command -v $(ISQL); } >/dev/null 2>&1 || \
	  missing="$$missing virtuoso-opensource-7-bin"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; \
	else \
	  echo "make test needs system packages that are missing here:$$missing" >&2; \
	  echo "(Java for HermiT, Chromium for the browser tests, curl for the README's examples, Virtuoso for its backend tests)." >&2; \
	  echo "Install them as root, then run make test again:" >&2; \
	  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing" >&2; \
	  echo "(not Debian or Ubuntu? install Java 17 or later, Chromium, curl and Virtuoso 7 with your package manager;" >&2; \
	  echo " make CHROMIUM=/path/to/chromium JAVA=/path/to/java test if they live elsewhere)" >&2; \
	  exit 2; \
	fi; \
	command -v apt-get >/dev/null 2>&1 || { \
	  echo "missing:$$missing, and there is no apt-get here: install them with your package manager" >&2; \
	  exit 2; }; \
	echo "Installing$$missing with apt-get"; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

run: install
	$(VENV)/bin/srkb --store $(STORE) serve --demo --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: system-deps install-test lint
	$(VENV)/bin/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# More cases of the property and corpus checks (the extended marker), not part of `make test`.
test-extended: system-deps install-test
	$(VENV)/bin/pytest $(PYTEST_XDIST) -m extended $(PYTEST_ARGS)

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
# Then the attacks of SECURITY.md (oversized and deeply nested queries, slow bodies, large
# uploads...), one at a time and all at once, each for BENCH_ATTACK_SECONDS while
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
