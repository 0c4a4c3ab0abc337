"""Shared fixtures: stores of every backend, and example ecosystems prepared on them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kb import resources
from kb.interchange.loading import install_model, load_files
from kb.reasoning.inference import infer
from kb.store import Store, open_store
from kb.validation.shacl import validate
from tests.support.servers import OxigraphServer, start_oxigraph
from tests.support.virtuoso import VirtuosoServer, start_virtuoso
from tests.w3c import scores as w3c_scores

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("disk", id="disk"),
    pytest.param("remote", id="remote", marks=pytest.mark.remote),
    pytest.param("virtuoso", id="virtuoso", marks=pytest.mark.virtuoso),
]

ServerFactory = Callable[[], OxigraphServer]
VirtuosoFactory = Callable[[], VirtuosoServer]

#: Test modules whose store-backend tests also run on Virtuoso: the store behaviour suite, the
#: examples x questions x roles x findings acceptance suite, the SPARQL, loading, validation and
#: dialect tests, impact analysis and every question on a generated ecosystem (transitive paths
#: and optional groups at scale, which Virtuoso evaluates its own way).
#: The other modules' Virtuoso variants (history, rule-by-rule inference) add minutes and test
#: nothing Virtuoso-specific that these do not (the examples run every rule).
VIRTUOSO_MODULES = frozenset(
    {
        "test_store.py",
        "test_examples.py",
        "test_competency.py",
        "test_validation_sparql.py",
        "test_loading.py",
        "test_sparql.py",
        "test_virtuoso.py",
        "test_impact.py",
        "test_backends_agree.py",
    }
)


#: pytest-xdist modes that send tests to workers by node id: tests that share one are run once.
SCOPE_DISTRIBUTIONS = frozenset({"loadscope", "loadfile", "loadgroup"})


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Stop a pytest-xdist run that would silently leave tests out.

    schemathesis 4.32 gives each operation's test the node id of the test function (pytest 9
    ignores the id it sets), so 31 tests share 2 ids; the by-scope modes (loadscope, loadfile,
    loadgroup) key tests by node id and run one test per id, still reporting success.
    """
    dist = getattr(node.config.option, "dist", "no")
    if dist not in SCOPE_DISTRIBUTIONS:
        return
    shared = sorted(nodeid for nodeid, n in Counter(ids).items() if n > 1)
    if shared:
        raise pytest.UsageError(
            f"--dist {dist} would run one test per node id, and these are shared by several"
            f" tests: {', '.join(shared)}; use --dist worksteal (make test does)"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the Virtuoso variants outside :data:`VIRTUOSO_MODULES` (to keep CI time)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        on_virtuoso = item.get_closest_marker("virtuoso") is not None
        if on_virtuoso and item.path.name not in VIRTUOSO_MODULES and "/api/" not in str(item.path):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its W3C outcomes to the controller."""
    w3c_scores.hand_over(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """The pytest-xdist controller keeps a finished worker's W3C outcomes."""
    w3c_scores.receive(node)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The W3C suites' scores, from this process and from every worker."""
    w3c_scores.report(terminalreporter)


@pytest.fixture(scope="session")
def oxigraph_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Start real ``oxigraph serve`` processes on 127.0.0.1 on demand; stop them all at the end."""
    servers: list[OxigraphServer] = []

    def start() -> OxigraphServer:
        server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[VirtuosoFactory]:
    """Start real Virtuoso processes on 127.0.0.1 on demand (3 s each); stop them all at the end."""
    servers: list[VirtuosoServer] = []

    def start() -> VirtuosoServer:
        server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def shared_virtuoso(virtuoso_server_factory: VirtuosoFactory) -> VirtuosoServer:
    """One Virtuoso for the tests that want an empty store: emptied before each of them."""
    return virtuoso_server_factory()


def new_store(
    backend: str,
    directory: Path,
    servers: ServerFactory,
    virtuoso: Callable[[], VirtuosoServer] | None = None,
) -> Store:
    if backend == "memory":
        return open_store("memory")
    if backend == "disk":
        return open_store(directory / "store")
    if backend == "virtuoso":
        if virtuoso is None:
            raise ValueError("the virtuoso backend needs a Virtuoso server")
        # The query URL only: srkb finds Virtuoso's update URL (the same /sparql) itself.
        return open_store(virtuoso().sparql_url, timeout=30)
    return open_store(servers().query_url, timeout=30)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(
    backend: str,
    tmp_path: Path,
    oxigraph_server_factory: ServerFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Store]:
    """An empty store of each backend (Virtuoso: one shared server, emptied first)."""

    def virtuoso() -> VirtuosoServer:
        server: VirtuosoServer = request.getfixturevalue("shared_virtuoso")
        server.reset()
        return server

    opened = new_store(backend, tmp_path, oxigraph_server_factory, virtuoso)
    yield opened
    opened.close()


def prepare_example(store: Store, name: str) -> Store:
    """Model + example + inference + validation, as ``srkb`` does for a user."""
    install_model(store)
    load_files(store, [resources.example_file(name)])
    infer(store)
    validate(store, save=True)
    return store


@pytest.fixture(scope="session")
def prepared(
    tmp_path_factory: pytest.TempPathFactory,
    oxigraph_server_factory: ServerFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[str, str], Store]]:
    """Example ecosystems prepared once per (example, backend) for read-only tests.

    Each example on Virtuoso gets a server of its own (srkb's graph names are fixed, so two
    examples cannot share one store).
    """
    cache: dict[tuple[str, str], Store] = {}

    def virtuoso() -> VirtuosoServer:
        factory: VirtuosoFactory = request.getfixturevalue("virtuoso_server_factory")
        return factory()

    def get(name: str, backend: str) -> Store:
        key = (name, backend)
        if key not in cache:
            directory = tmp_path_factory.mktemp(f"{name}-{backend}")
            cache[key] = prepare_example(
                new_store(backend, directory, oxigraph_server_factory, virtuoso), name
            )
        return cache[key]

    yield get
    for opened in cache.values():
        opened.close()
