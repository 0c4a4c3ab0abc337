"""HermiT (owlready2) is the oracle: the ontology is consistent and classifies every example."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kb import resources
from kb.interchange.loading import install_model, parse_file
from kb.namespaces import ONTOLOGY_GRAPH
from kb.reasoning.hermit import Classification, classify
from kb.reasoning.inference import inferred_roles
from kb.store import Store, open_store
from tests.examples.test_examples import AGENT_ROLES, ORG_ROLES, assert_roles_as_documented
from tests.support.expected import example_names, load_expected

pytestmark = pytest.mark.slow

ROLE_CLASSES = ORG_ROLES | AGENT_ROLES | {"MutualRelationship"}


def _ontology_nt() -> bytes:
    store = open_store("memory")
    install_model(store)
    return store.dump("nt", graph=ONTOLOGY_GRAPH)


def _example_nt(name: str) -> bytes:
    store = open_store("memory")
    source = parse_file(resources.example_file(name))
    store.load([source])
    return store.dump("nt", graph=source.graph)


_cache: dict[str, Classification] = {}


def hermit(name: str) -> Classification:
    if name not in _cache:
        _cache[name] = classify(_ontology_nt(), _example_nt(name))
    return _cache[name]


def test_ontology_alone_is_consistent() -> None:
    result = classify(_ontology_nt(), b"")
    assert result.consistent


def test_an_organisation_that_is_also_a_service_is_inconsistent() -> None:
    data = (
        b"<https://e.org/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<http://www.w3.org/ns/org#Organization> .\n"
        b"<https://e.org/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://w3id.org/srkb#Service> .\n"
    )
    assert not classify(_ontology_nt(), data).consistent


@pytest.mark.parametrize("name", example_names())
def test_hermit_classifies_every_example_as_documented(name: str) -> None:
    result = hermit(name)
    assert result.consistent, f"{name} is inconsistent under HermiT"
    assert_roles_as_documented(load_expected(name), result.roles(ROLE_CLASSES))


@pytest.mark.parametrize("name", example_names())
def test_rules_and_hermit_agree_on_every_role(
    name: str, prepared: Callable[[str, str], Store]
) -> None:
    rules = {
        k: v & ROLE_CLASSES
        for k, v in inferred_roles(prepared(name, "memory")).items()
        if v & ROLE_CLASSES
    }
    assert rules == hermit(name).roles(ROLE_CLASSES)
