"""Prefixes of srkb and of loaded files: CURIEs read and printed, ambiguity refused."""

from __future__ import annotations

import pytest

from kb.errors import InputError
from kb.prefixes import DECLARES_PREFIX, Prefixes, decode, encode
from kb.store import open_store

CAMPUS = "https://w3id.org/srkb/graph/source/campus.ttl"
CLOUD = "https://w3id.org/srkb/graph/source/cloud.ttl"


def two_sources() -> Prefixes:
    return Prefixes.of(
        {
            CAMPUS: {"ex": "https://example.org/campus#", "net": "https://example.org/netco#"},
            CLOUD: {"ex": "https://example.org/cloud#", "net": "https://example.org/netco#"},
        }
    )


def test_a_declared_prefix_reads_and_prints() -> None:
    prefixes = Prefixes.of({CAMPUS: {"ex": "https://example.org/campus#"}})
    assert prefixes.expand("ex:NetCo") == "https://example.org/campus#NetCo"
    assert prefixes.shorten("https://example.org/campus#NetCo") == "ex:NetCo"


def test_full_iris_and_angle_brackets_pass_through() -> None:
    prefixes = Prefixes()
    assert prefixes.expand("https://example.org/x#a") == "https://example.org/x#a"
    assert prefixes.expand("<urn:x:y>") == "urn:x:y"


def test_an_ambiguous_prefix_is_refused_with_both_sources() -> None:
    with pytest.raises(InputError) as caught:
        two_sources().expand("ex:NetCo")
    message = str(caught.value)
    assert "https://example.org/campus# in campus.ttl" in message
    assert "https://example.org/cloud# in cloud.ttl" in message


def test_an_ambiguous_prefix_is_settled_by_the_source() -> None:
    assert two_sources().expand("ex:IT", source=CLOUD) == "https://example.org/cloud#IT"


def test_an_ambiguous_prefix_never_prints() -> None:
    prefixes = two_sources()
    assert prefixes.shorten("https://example.org/campus#IT") == "https://example.org/campus#IT"
    # declared the same way by both sources: not ambiguous
    assert prefixes.shorten("https://example.org/netco#Network") == "net:Network"
    assert prefixes.expand("net:Network") == "https://example.org/netco#Network"


def test_an_unknown_prefix_names_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        Prefixes.of({CAMPUS: {"ex": "https://example.org/campus#"}}).expand("exx:NetCo")
    assert "unknown prefix 'exx'" in str(caught.value)
    assert "ex:" in str(caught.value.hint)


def test_a_file_cannot_redefine_srkb() -> None:
    prefixes = Prefixes.of({CAMPUS: {"srkb": "https://elsewhere.example/"}})
    assert prefixes.expand("srkb:Vendor") == "https://w3id.org/srkb#Vendor"


def test_the_longest_namespace_wins_and_odd_local_names_stay_iris() -> None:
    prefixes = Prefixes.of(
        {CAMPUS: {"a": "https://example.org/", "b": "https://example.org/campus#"}}
    )
    assert prefixes.shorten("https://example.org/campus#IT") == "b:IT"
    assert prefixes.shorten("https://example.org/x/y") == "https://example.org/x/y"


def test_declarations_round_trip_through_a_store() -> None:
    store = open_store("memory")
    literal = encode("ex", "https://example.org/campus#")
    assert decode(literal) == ("ex", "https://example.org/campus#")
    store.update(
        f'INSERT DATA {{ GRAPH <{CAMPUS}> {{ <{CAMPUS}> <{DECLARES_PREFIX}> "{literal}" }} }}'
    )
    assert Prefixes.load(store).expand("ex:NetCo") == "https://example.org/campus#NetCo"
