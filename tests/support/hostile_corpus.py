"""A bounded corpus of pathological inputs for every door of srkb (issue 12).

Each entry is small enough to send many times in a test run (the biggest are about 300 KB), yet
each one crashed, stalled or confused some engine before the guards in :mod:`kb.guards`: SPARQL
operator chains and nesting that overflow Oxigraph's stack, a JSON-LD document that Python's JSON
parser refuses (a 4,301-digit number) before a nesting that Oxigraph recurses into, giant tokens,
odd encodings and truncated files. ``SLOW_*`` entries are bigger and run only under ``-m extended``.
"""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
CAMPUS = REPOSITORY / "examples" / "campus" / "campus.ttl"
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:e#"'


def _filter(expression: str) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + expression + ") }"


#: SPARQL texts, by name. Every one is under the default 256 KiB query limit.
QUERIES: dict[str, str] = {
    "plus-chain-15k": _filter("+".join(["1"] * 15_000) + " > 0"),
    "and-chain-15k": _filter("&&".join(["?o"] * 15_000)),
    "or-chain-15k": _filter("||".join(["?o"] * 15_000)),
    "not-chain-30k": _filter("!" * 30_000 + "?o"),
    "minus-chain-20k": _filter("-".join(["1"] * 20_000) + " < 0"),
    "and-chain-250kb": _filter("&&".join(["?o"] * 62_000)),
    "parentheses-10k": _filter("(" * 10_000 + "1" + ")" * 10_000),
    "braces-10k": "SELECT * WHERE " + "{" * 10_000 + " ?s ?p ?o " + "}" * 10_000,
    "brackets-10k": "SELECT * WHERE { ?s ?p " + "[ <urn:p> " * 10_000 + "1" + " ]" * 10_000 + "}",
    "collection-10k": "SELECT * WHERE { ?s ?p " + "( " * 10_000 + "1" + " )" * 10_000 + "}",
    "path-sequence-20k": "SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * 20_000) + " ?o }",
    "path-alternative-20k": "SELECT * WHERE { ?s " + "|".join(["<urn:p>"] * 20_000) + " ?o }",
    "nested-subqueries-2k": "SELECT * WHERE { " + "{ SELECT * WHERE " * 2_000 + "{}" + "}" * 4_000,
    "giant-number": "SELECT (" + "9" * 200_000 + " AS ?x) WHERE {}",
    "giant-iri": "SELECT * WHERE { <urn:" + "a" * 200_000 + "> ?p ?o }",
    "giant-string": "SELECT * WHERE { ?s ?p '" + "x" * 200_000 + "' }",
    "unterminated-string": "SELECT * WHERE { ?s ?p '" + "x" * 1_000,
    "unterminated-iri": "SELECT * WHERE { ?s ?p <urn:" + "x" * 1_000,
    "only-comment": "# nothing here\n",
    "nul-bytes": "SELECT * WHERE { ?s ?p ?o }\x00\x00",
    "escaped-keyword": "SELECT * WHERE { SERV\\u0049CE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "empty": "",
}

#: SPARQL updates, by name (sent with the write token: a token holder is a user too).
UPDATES: dict[str, str] = {
    "insert-where-plus-chain": "INSERT { <urn:a> <urn:b> ?x } WHERE { BIND("
    + "+".join(["1"] * 15_000)
    + " AS ?x) }",
    "insert-data-deep-brackets": "INSERT DATA { <urn:a> <urn:b> "
    + "[ <urn:p> " * 10_000
    + "1"
    + " ]" * 10_000
    + " }",
    "delete-where-and-chain": "DELETE WHERE { ?s ?p ?o FILTER("
    + "&&".join(["?o"] * 15_000)
    + ") }",
    "insert-data-giant-iri": "INSERT DATA { <urn:" + "a" * 200_000 + "> <urn:b> 1 }",
    "truncated": "INSERT DATA { <urn:a> <urn:b> ",
}


def _deep_jsonld(levels: int, prefix: str = "") -> bytes:
    return (prefix + '{"@id": "urn:a", "urn:p": ' * levels + '"x"' + "}" * levels).encode()


def _deep_json_arrays(levels: int) -> bytes:
    return ('{"@id": "urn:a", "urn:p": ' + "[" * levels + '"x"' + "]" * levels + "}").encode()


def _number_then_nesting(levels: int) -> bytes:
    # Python's json refuses a 4,301-digit number (int_max_str_digits), so a guard built on it
    # took the whole document for "not JSON" and let the nesting through.
    head = '{"@id": "urn:n", "urn:v": ' + "1" * 4_301 + ', "urn:p": '
    return (head + '{"@id": "urn:a", "urn:p": ' * levels + '"x"' + "}" * levels + "}").encode()


def _deep_rdfxml(levels: int) -> bytes:
    nested = "<rdf:Description><e:p>" * levels + "x" + "</e:p></rdf:Description>" * levels
    return f"<rdf:RDF {RDF_NS}>{nested}</rdf:RDF>".encode()


def _truncated(fmt: str) -> bytes:
    data = _valid(fmt)
    return data[: len(data) * 2 // 3]


def _valid(fmt: str) -> bytes:
    if fmt == "jsonld":
        return b'{"@id": "urn:a", "urn:p": [{"@id": "urn:b", "urn:q": "v"}, 1, 2.5, true]}'
    if fmt == "rdfxml":
        return (
            f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="urn:a"><e:p>x</e:p>'
            "</rdf:Description></rdf:RDF>"
        ).encode()
    if fmt == "nt":
        return b'<urn:a> <urn:p> "x" .\n<urn:a> <urn:q> <urn:b> .\n'
    if fmt == "nq":
        return b'<urn:a> <urn:p> "x" <urn:g> .\n<urn:a> <urn:q> <urn:b> <urn:g> .\n'
    if fmt == "trig":
        return b'<urn:g> { <urn:a> <urn:p> "x" ; <urn:q> [ <urn:r> ( 1 2 3 ) ] . }\n'
    return CAMPUS.read_bytes()


#: RDF documents, by name: (format, bytes).
DOCUMENTS: dict[str, tuple[str, bytes]] = {
    "jsonld-5k-objects": ("jsonld", _deep_jsonld(5_000)),
    "jsonld-number-then-5k-objects": ("jsonld", _number_then_nesting(5_000)),
    "jsonld-10k-arrays": ("jsonld", _deep_json_arrays(10_000)),
    "jsonld-deep-in-a-string-then-deep": (
        "jsonld",
        _deep_jsonld(4_500, prefix='["\\"{{{{", '),
    ),
    "jsonld-giant-number": ("jsonld", b'{"@id": "urn:a", "urn:v": ' + b"7" * 300_000 + b"}"),
    "jsonld-utf16": ("jsonld", '{"@id": "urn:a", "urn:p": "x"}'.encode("utf-16")),
    "jsonld-truncated": ("jsonld", _truncated("jsonld")),
    "jsonld-nul": ("jsonld", b'{"@id": "urn:a\x00", "urn:p": "x"}'),
    "ttl-100k-brackets": (
        "ttl",
        b"<urn:a> <urn:p> " + b"[ <urn:p> " * 20_000 + b"1" + b" ]" * 20_000 + b" .",
    ),
    "ttl-20k-collections": (
        "ttl",
        b"<urn:a> <urn:p> " + b"( " * 20_000 + b"1" + b" )" * 20_000 + b" .",
    ),
    "ttl-giant-number": ("ttl", b"<urn:a> <urn:p> " + b"9" * 300_000 + b" ."),
    "ttl-giant-iri": ("ttl", b"<urn:" + b"a" * 300_000 + b"> <urn:p> 1 ."),
    "ttl-latin1": ("ttl", '<urn:a> <urn:p> "café" .'.encode("latin-1")),
    "ttl-overlong-utf8": ("ttl", b'<urn:a> <urn:p> "\xc0\xaf" .'),
    "ttl-truncated": ("ttl", _truncated("ttl")),
    "trig-10k-graphs-deep": ("trig", b"<urn:g> " + b"{ " * 10_000 + b"}" * 10_000),
    "trig-truncated": ("trig", _truncated("trig")),
    "nt-giant-literal-17mb": ("nt", b'<urn:a> <urn:p> "' + b"x" * (17 * 1024 * 1024) + b'" .\n'),
    "nt-truncated": ("nt", _truncated("nt")),
    "nq-truncated": ("nq", _truncated("nq")),
    "rdfxml-5k-levels": ("rdfxml", _deep_rdfxml(5_000)),
    "rdfxml-truncated": ("rdfxml", _truncated("rdfxml")),
    "rdfxml-utf16": ("rdfxml", _valid("rdfxml").decode().encode("utf-16")),
}

#: Tabular and YAML imports, by name: (file suffix, bytes).
IMPORTS: dict[str, tuple[str, bytes]] = {
    "yaml-alias-bomb": (
        "yaml",
        b"a: &a [x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n".encode()
            for i in range(8)
        ),
    ),
    "yaml-deep-nesting": ("yaml", b"a: " + b"[" * 5_000 + b"]" * 5_000 + b"\n"),
    "yaml-truncated": ("yaml", b'organisations:\n  - id: ex:A\n    label: "unterminated\n'),
    "csv-formula": ("csv", b'id,label\nex:A,"=HYPERLINK(""http://evil.example/"",""x"")"\n'),
    "csv-nul": ("csv", b"id,label\nex:A,\x00\x00\n"),
    "csv-utf16": ("csv", "id,label\nex:A,x\n".encode("utf-16")),
    "xlsx-not-a-zip": ("xlsx", b"PK\x03\x04" + b"\x00" * 100),
    "xlsx-truncated": ("xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"),
}

#: Query-string values sent to every GET route that takes a parameter.
PARAMETERS: dict[str, str] = {
    "not-an-iri": "notanabsoluteiri",
    "relative": "../../etc/passwd",
    "space": "urn:a b",
    "angle": "urn:a>{",
    "giant": "urn:" + "a" * 60_000,  # httpx sends at most 64 KiB of query string
    "nul": "urn:a\x00",
    "percent": "%FF%FE",
    "empty": "",
}
