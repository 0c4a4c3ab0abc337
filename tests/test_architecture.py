"""The layout keeps its promises: packages in layers, no import cycles, no upward imports.

Each ``kb`` subpackage's ``__init__`` says what it may import; this test holds them to it, so the
design stays visible in the folder. Imports are read with :mod:`ast` (nothing is executed), at
any depth (an import inside a function is still a dependency), except those under
``if TYPE_CHECKING:``, which exist for annotations only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Lowest first. A module may import its own group and the groups below it, never above.
LAYERS: list[tuple[str, ...]] = [
    ("kb.errors", "kb.namespaces", "kb.config", "kb.resources", "kb.prefixes", "kb.progress"),
    ("kb.sparql",),
    ("kb.store",),
    ("kb.interchange",),
    ("kb.reasoning",),
    ("kb.ecosystem",),
    ("kb.validation",),
    ("kb.reporting",),
    ("kb.knowledge_base", "kb.recovery", "kb.generate"),
    ("kb.protocol",),
    ("kb.cli", "kb.__main__"),
    ("api",),
]

#: The only packages that may import pyoxigraph: the store (backends, the term and format bridge,
#: the query workers) and the interchange (pyoxigraph's parsers are srkb's RDF parsers, and a
#: parsed source is pyoxigraph quads).
PYOXIGRAPH_ALLOWED = ("kb.store", "kb.interchange")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, Path]:
    found = {}
    for package in ("kb", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = sources()


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str) -> Iterator[str]:
    """Every module ``name`` imports at run time (resolved against the known modules)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_blocks(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in MODULES else base


def layer_of(name: str) -> int | None:
    for index, group in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in group):
            return index
    return None


def internal_graph() -> dict[str, set[str]]:
    return {
        name: {target for target in imports_of(name) if target in MODULES and target != name}
        for name in MODULES
    }


GRAPH = internal_graph()


def cli_serving_api(name: str, target: str) -> bool:
    """``srkb serve`` starts the HTTP service: the one import of ``api`` from ``kb``."""
    return name.startswith("kb.cli") and (target == "api" or target.startswith("api."))


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = [name for name in MODULES if name != "kb" and layer_of(name) is None]
    assert not unplaced, f"place these modules in LAYERS (and their package docstring): {unplaced}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_upward_import(name: str) -> None:
    if name == "kb":  # the package's public surface re-exports from every layer
        return
    own = layer_of(name)
    assert own is not None
    upward = sorted(
        f"{target} (layer {layer_of(target)})"
        for target in GRAPH[name]
        if target != "kb" and (layer_of(target) or 0) > own and not cli_serving_api(name, target)
    )
    assert not upward, f"{name} (layer {own}) imports upward: {upward}"


def test_no_import_cycles() -> None:
    graph = dict(GRAPH)
    graph["kb"] = set()  # importing the package root (for __version__) is not a dependency on all
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_only_the_cli_imports_the_api() -> None:
    offenders = sorted(
        name
        for name, targets in GRAPH.items()
        if name.startswith("kb")
        and not name.startswith("kb.cli")
        and any(t == "api" or t.startswith("api.") for t in targets)
    )
    assert not offenders, f"kb modules importing api: {offenders}"


def test_only_the_backends_and_parsers_import_pyoxigraph() -> None:
    offenders = sorted(
        name
        for name in MODULES
        if "pyoxigraph" in set(imports_of(name))
        and not any(name == p or name.startswith(p + ".") for p in PYOXIGRAPH_ALLOWED)
    )
    assert not offenders, f"pyoxigraph imported outside the store backends and parsers: {offenders}"


def test_only_the_store_reaches_into_a_backend() -> None:
    """Above :mod:`kb.store`, code asks ``capabilities`` and calls the protocol, never a backend's
    insides (``.native``) nor ``isinstance`` of a backend class."""
    offenders = []
    for name, path in MODULES.items():
        if name.startswith("kb.store"):
            continue
        text = path.read_text(encoding="utf-8")
        for needle in (".native", "isinstance(store, OxigraphStore", "RemoteStore)"):
            if needle in text:
                offenders.append(f"{name}: {needle}")
    assert not offenders, offenders


def test_no_module_is_overlong() -> None:
    """A long module is one idea that reads better whole; past ~800 lines it is two."""
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert not long, f"split these modules: {long}"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an import from the store into validation is reported as upward."""
    assert layer_of("kb.store.remote") == 2
    assert layer_of("kb.validation.shacl") == 6
    assert (layer_of("kb.validation.shacl") or 0) > (layer_of("kb.store.remote") or 0)
    assert "kb.store.source" in set(imports_of("kb.store.oxigraph"))
