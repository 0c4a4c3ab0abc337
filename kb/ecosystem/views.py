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


def cycles(store: Store) -> list[list[str]]:
    """Provision cycles: sets of organisations that all reach each other (size > 1), sorted."""
    result = ask(store, "provision-cycles")
    partners: dict[str, set[str]] = {}
    for organisation, partner in result.rows:
        partners.setdefault(str(organisation), {str(organisation)}).add(str(partner))
    components = {frozenset(group) for group in partners.values()}
    return sorted(sorted(component) for component in components)


def practice(store: Store, organisation: str) -> tuple[QueryResult, QueryResult]:
    """An organisation's practice: its RACI assignments, and its activities with their tools."""
    params = {"organisation": organisation}
    return ask(store, "practice-roles", params), ask(store, "practice-activities-and-tools", params)
