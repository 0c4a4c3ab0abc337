"""Ecosystem views built from the named questions: roles per organisation, provision cycles.

Each function runs one or two questions and reshapes their rows, so the API and the CLI show the
same answers the competency questions document.
"""

from __future__ import annotations

from kb.ecosystem.questions import ask
from kb.namespaces import SRKB
from kb.sparql.text import node_name
from kb.store import QueryResult, Store


def roles_by_organisation(store: Store) -> dict[str, list[str]]:
    """Each organisation with the local names of its inferred roles, sorted."""
    result = ask(store, "organisation-roles")
    roles: dict[str, set[str]] = {}
    for organisation, role in result.rows:
        # Blank-node organisations as "_:label", the name their findings carry.
        roles.setdefault(node_name(organisation), set()).add(str(role).removeprefix(str(SRKB)))
    return {org: sorted(names) for org, names in sorted(roles.items())}


#: The provision links, provider to consumer: the edges the ``provision-cycles`` question follows.
_PROVISION = """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?organisation ?partner WHERE { ?organisation srkb:providesTo ?partner . }
"""


def cycles(store: Store) -> list[list[str]]:
    """Provision cycles: sets of organisations that all reach each other (size > 1), sorted.

    The same groups as the ``provision-cycles`` question's pairs, found here as the strongly
    connected components of the provision links (one query for the links, then Tarjan's algorithm
    in linear time) instead of a transitive closure from every organisation in the store.
    """
    successors: dict[str, list[str]] = {}
    for organisation, partner in store.query(_PROVISION).rows:
        successors.setdefault(str(organisation), []).append(str(partner))
    components = strongly_connected(successors)
    return sorted(sorted(component) for component in components if len(component) > 1)


def strongly_connected(successors: dict[str, list[str]]) -> list[set[str]]:
    """The strongly connected components of a directed graph (Tarjan's algorithm, no recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for root in successors:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors.get(root, ())))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def practice(store: Store, organisation: str) -> tuple[QueryResult, QueryResult]:
    """An organisation's practice: its RACI assignments, and its activities with their tools."""
    params = {"organisation": organisation}
    return ask(store, "practice-roles", params), ask(store, "practice-activities-and-tools", params)
