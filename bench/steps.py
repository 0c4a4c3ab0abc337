"""One benchmark step per function; ``python bench/steps.py STEP PARAMS_JSON`` runs one in a child.

Each step prepares what it needs (untimed), prints ``READY`` (so that the parent starts its time
cap only for the timed part), runs the measured operation once, and prints one JSON line: the
step's ``seconds``, its peak resident memory (``VmHWM``, the whole child process), and what it
found (triples, findings, rows...), so that a run also shows the work was real.

srkb steps: generate, load, load-transactional, infer, infer-incremental, infer-unchanged, start,
start-reinfer, write, validate, questions, impact, report, reports.
Baseline steps (rdflib, owlrl, pySHACL; the stack srkb replaces): rdflib-parse, rdflib-questions,
rdflib-report, owlrl, pyshacl.
"""

from __future__ import annotations

import hashlib
import json
import logging
import resource
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kb import resources
from kb.generate import NAMESPACE, REGION_SIZE, generate_file
from kb.namespaces import INFERRED_GRAPH, SHAPES_GRAPH

Params = dict[str, Any]
Result = dict[str, Any]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (VmHWM; ru_maxrss where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: Set when this module runs as a step's child process (then it talks to its parent on stdout).
CHILD = False


def ready() -> None:
    """Tell the parent that set-up is over and the timed part starts now."""
    if CHILD:
        print("READY", flush=True)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    ready()
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def median_of(action: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    """``action`` run ``rounds`` times (at least once): its median seconds (the upper one of an
    even count), and what its last run returned."""
    times = []
    value = None
    for _ in range(max(rounds, 1)):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], value


def subjects(params: Params) -> dict[str, str]:
    """The organisations the one-organisation steps ask about: in the middle region."""
    orgs = int(params["orgs"])
    region = (orgs // REGION_SIZE) // 2
    base = region * REGION_SIZE
    intermediary = base + 2 if base + 2 < orgs else min(2, orgs - 1)
    platform = base + 1 if base + 1 < orgs else min(1, orgs - 1)
    return {
        "organisation": f"{NAMESPACE}org-{intermediary}",
        "provider": f"{NAMESPACE}org-{platform}",
        "service": f"{NAMESPACE}svc-{intermediary}-0",
        "relationship": f"{NAMESPACE}rel-{intermediary}-0",
        "global_vendor": f"{NAMESPACE}org-0",
    }


# -- srkb --------------------------------------------------------------------------------------


def step_generate(params: Params) -> Result:
    path = Path(params["data"])
    seconds, stats = timed(lambda: generate_file(int(params["orgs"]), int(params["seed"]), path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return {
        "seconds": seconds,
        "triples": stats.triples,
        "bytes": path.stat().st_size,
        "sha": digest,
    }


def _load(params: Params, threshold: int | None) -> Result:
    from kb.interchange.loading import BULK_LOAD_THRESHOLD, install_model, load_files

    if params["store"].startswith("http"):
        store = _open(params)
        store.update("DROP SILENT ALL")
    else:
        shutil.rmtree(params["store"], ignore_errors=True)
        store = _open(params)
    install_model(store)
    data = Path(params["data"])
    seconds, loaded = timed(lambda: load_files(store, [data], bulk_threshold=threshold))
    store.close()
    bulk = threshold is not None and data.stat().st_size >= BULK_LOAD_THRESHOLD
    path = "http" if params["store"].startswith("http") else "bulk" if bulk else "tx"
    return {"seconds": seconds, "triples": loaded[0].triples, "path": path}


def step_load(params: Params) -> Result:
    from kb.interchange.loading import BULK_LOAD_THRESHOLD

    return _load(params, BULK_LOAD_THRESHOLD)


def step_load_transactional(params: Params) -> Result:
    return _load(params, None)


def _open(params: Params) -> Any:
    """The benchmark's store: a data directory, or an endpoint URL (``make bench-remote``)."""
    from kb.store import open_store

    return open_store(params["store"], timeout=params.get("timeout"))


def step_infer(params: Params) -> Result:
    from kb.reasoning.inference import infer

    store = _open(params)
    seconds, run = timed(lambda: infer(store))
    store.close()
    return {"seconds": seconds, "inferred": run.inferred_triples, "passes": run.passes}


def step_infer_incremental(params: Params) -> Result:
    """Inference after one organisation changes: it registers a new component from a vendor.

    The change goes in as its own source graph (untimed), the timed part is
    :func:`kb.reasoning.incremental.infer_incremental` on the resources it touched, and the change
    is taken out again (untimed, incremental too) so that the later steps see the generated data
    only.
    """
    import uuid

    from rdflib import URIRef

    from kb.interchange.loading import parse_stream, write_sources
    from kb.namespaces import source_graph
    from kb.reasoning.incremental import infer_incremental
    from kb.reasoning.inference import rules
    from kb.reasoning.rule_dependencies import patterns

    store = _open(params)
    who = subjects(params)
    organisation, vendor = who["organisation"], who["global_vendor"]
    name = f"bench-change-{uuid.uuid4().hex[:8]}.ttl"
    component = f"{organisation}-{name[:-4]}"
    turtle = (
        "@prefix srkb: <https://w3id.org/srkb#> .\n"
        f"<{organisation}> srkb:registersComponent <{component}> .\n"
        f"<{component}> a srkb:ServiceComponent ; srkb:hasVendor <{vendor}> .\n"
    )
    write_sources(store, [parse_stream(turtle.encode(), fmt="ttl", name=name)])
    changed = {URIRef(organisation), URIRef(component), URIRef(vendor)}
    # Warm-up, as in a running server: the rules' patterns are parsed once a process (~0.2 s).
    for rule in rules():
        patterns(rule.text)
    seconds, run = timed(lambda: infer_incremental(store, changed))
    store.update(f"DROP SILENT GRAPH <{source_graph(name)}>")
    infer_incremental(store, changed)
    store.close()
    return {"seconds": seconds, "inferred": run.inferred_triples, "passes": run.passes}


def step_infer_unchanged(params: Params) -> Result:
    """``srkb infer`` as a user runs it (a whole CLI process) on a store nothing has changed.

    The inferred graph's stamp (:mod:`kb.reasoning.stamp`) says it is current, so the command
    only checks that; the full run (step ``infer``) is the baseline of the same size.
    """
    import subprocess

    command = [sys.executable, "-m", "kb", "--store", params["store"], "infer"]
    seconds, done = timed(
        lambda: subprocess.run(command, capture_output=True, text=True, check=False)
    )
    if done.returncode != 0:
        raise RuntimeError(f"srkb infer failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"seconds": seconds, "output": " ".join(done.stderr.split())[-300:]}


def _settings(params: Params) -> Any:
    from kb.config import Settings

    return Settings(store=params["store"], query_timeout=params.get("timeout") or 30.0)


def step_start(params: Params) -> Result:
    """What ``srkb serve`` does before it answers, on an existing store nothing has changed.

    :meth:`kb.knowledge_base.KnowledgeBase.open`: the model installed, the inferred graph's stamp
    checked (current: not inferred again) and the saved validation report read back when it
    checked these inferences. Baseline: ``start-reinfer``, the same with the stamp removed.
    """
    from kb.knowledge_base import KnowledgeBase

    seconds, kb = timed(lambda: KnowledgeBase.open(_settings(params)))
    reused = kb.last_inference is not None and kb.last_inference.reused
    kb.close()
    return {"seconds": seconds, "reused_inferences": reused}


def step_start_reinfer(params: Params) -> Result:
    """The start-up of ``srkb serve`` when the inferred graph is not known to be current.

    The stamp is removed (untimed) so the start infers and validates everything, as every start
    did before stamps; afterwards the store is stamped again.
    """
    from kb.knowledge_base import KnowledgeBase
    from kb.reasoning import stamp

    store = _open(params)
    stamp.remove(store)
    store.close()
    seconds, kb = timed(lambda: KnowledgeBase.open(_settings(params)))
    kb.close()
    return {"seconds": seconds}


#: How many writes of each kind :func:`step_write` times when ``--rounds`` does not say.
WRITES = 5


def _organisation_turtle(params: Params, index: int, vendor: str) -> bytes:
    who = subjects(params)
    org = f"{NAMESPACE}bench-write-{index}"
    return (
        "@prefix srkb: <https://w3id.org/srkb#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<{org}> a org:Organization ; rdfs:label "Bench writer {index}" ;\n'
        f"  srkb:registersComponent <{org}-component> .\n"
        f"<{org}-component> a srkb:ServiceComponent ; srkb:hasVendor <{vendor}> ;\n"
        f"  srkb:refersToService <{who['service']}> .\n"
        f"<{org}-relationship> a srkb:ServiceRelationship ; srkb:hasConsumer <{org}> ;\n"
        f"  srkb:hasProvider <{who['organisation']}> ; srkb:concernsService <{who['service']}> .\n"
    ).encode()


def step_write(params: Params) -> Result:
    """A write of one organisation's data, answered with everything up to date, as the API does it.

    Each write is a Graph Store PUT of a new organisation's graph through the service's own
    :class:`~kb.knowledge_base.KnowledgeBase` (what ``PUT /store?graph=`` runs, without HTTP):
    the data, incremental inference, validation, readiness and the history record. The
    organisation consumes a service of the benchmark's intermediary and registers a component of
    a platform provider (``write``), or of a global vendor, a hub (``hub_write``). Median of
    ``--rounds`` writes each (:data:`WRITES` by default); the graphs are dropped again afterwards
    (untimed). Baseline in the same run: one full refresh (``full_refresh_seconds``), what every
    write cost before.
    """
    from kb.knowledge_base import KnowledgeBase
    from kb.protocol import graph_store

    kb = KnowledgeBase.open(_settings(params))
    who = subjects(params)
    graphs: list[str] = []

    def put(index: int, vendor: str) -> float:
        graph = f"https://example.org/bench/write-{index}"
        graphs.append(graph)
        body = _organisation_turtle(params, index, vendor)
        started = time.perf_counter()
        graph_store.put(kb, graph, body, "ttl")
        return time.perf_counter() - started

    writes = int(params.get("rounds") or WRITES)
    ready()
    plain = sorted(put(i, who["provider"]) for i in range(writes))
    hub = sorted(put(writes + i, who["global_vendor"]) for i in range(writes))
    # The baseline, in the same run: a full refresh (inference, validation, readiness, history).
    refresh, _ = timed(kb.refresh)
    for graph in graphs:
        graph_store.delete(kb, graph)
    kb.close()
    return {**_writes_summary(plain, hub), "full_refresh_seconds": round(refresh, 4)}


def _writes_summary(plain: list[float], hub: list[float]) -> Result:
    """The medians and the sorted seconds of the plain and the hub writes of a write step."""
    return {
        "seconds": plain[len(plain) // 2],
        "writes": [round(s, 4) for s in plain],
        "hub_seconds": hub[len(hub) // 2],
        "hub_writes": [round(s, 4) for s in hub],
    }


def step_write_http(params: Params) -> Result:
    """:func:`step_write`'s writes as a client makes them: ``PUT /store?graph=`` over HTTP.

    ``srkb serve`` runs on the store in a child process on 127.0.0.1 (untimed until ``/health``
    answers); each write is timed from sending the request to reading the answer, which comes
    once inference, validation, readiness and the history have followed the write (the
    ``Srkb-Refresh: done`` header; any other answer fails the step). One connection, kept
    alive, as a client would. The graphs are deleted again (untimed) before the service stops.
    """
    import http.client
    from urllib.parse import quote

    from bench.load_server import Server

    who = subjects(params)
    token = secrets.token_urlsafe(16)  # a server without one refuses every write
    server = Server(params["store"], None, {"SRKB_API_TOKEN": token})
    graphs: list[str] = []
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    try:
        server.wait_ready(timeout=float(params.get("timeout") or 600.0))

        def request(method: str, graph: str, body: bytes | None = None) -> http.client.HTTPResponse:
            headers = {"Authorization": f"Bearer {token}"}
            if body is not None:
                headers["Content-Type"] = "text/turtle"
            connection.request(method, f"/store?graph={quote(graph, safe='')}", body, headers)
            response = connection.getresponse()
            response.read()
            return response

        def put(index: int, vendor: str) -> float:
            graph = f"https://example.org/bench/http-write-{index}"
            graphs.append(graph)
            body = _organisation_turtle(params, 500_000 + index, vendor)
            started = time.perf_counter()
            response = request("PUT", graph, body)
            seconds = time.perf_counter() - started
            if (
                response.status not in (200, 201, 204)
                or response.getheader("Srkb-Refresh") != "done"
            ):
                raise RuntimeError(
                    f"PUT {graph}: {response.status}, Srkb-Refresh "
                    f"{response.getheader('Srkb-Refresh')!r}"
                )
            return seconds

        writes = int(params.get("rounds") or WRITES)
        ready()
        plain = sorted(put(i, who["provider"]) for i in range(writes))
        hub = sorted(put(writes + i, who["global_vendor"]) for i in range(writes))
        for graph in graphs:
            request("DELETE", graph)
    finally:
        connection.close()
        server.stop()
    return _writes_summary(plain, hub)


def step_validate(params: Params) -> Result:
    from kb.validation.shacl import validate

    store = _open(params)
    seconds, report = timed(lambda: validate(store, save=True))
    store.close()
    by_precondition: dict[str, int] = {}
    for finding in report.findings:
        key = str(finding.precondition)
        by_precondition[key] = by_precondition.get(key, 0) + 1
    return {
        "seconds": seconds,
        "findings": len(report.findings),
        "by_precondition": by_precondition,
    }


def one_organisation_questions(params: Params) -> list[tuple[str, dict[str, str]]]:
    """Every question that takes parameters, with values from :func:`subjects`."""
    from kb.ecosystem.questions import questions

    values = {**subjects(params), "precondition": "1"}
    return [
        (name, {p: values[p] for p in q.params})
        for name, q in sorted(questions().items())
        if q.params
    ]


def whole_ecosystem_questions() -> list[str]:
    from kb.ecosystem.questions import questions

    return [name for name, q in sorted(questions().items()) if not q.params]


def _run_questions(
    ask: Callable[[str, dict[str, str]], int],
    asks: Iterable[tuple[str, dict[str, str]]],
    rounds: int,
) -> Result:
    """Run each question ``rounds`` times; the step's time is one round (the median one)."""
    asks = list(asks)
    ready()
    per_question: dict[str, list[float]] = {name: [] for name, _ in asks}
    rows: dict[str, int] = {}
    totals = []
    for _ in range(rounds):
        total = 0.0
        for name, values in asks:
            started = time.perf_counter()
            rows[name] = ask(name, values)
            elapsed = time.perf_counter() - started
            per_question[name].append(elapsed)
            total += elapsed
        totals.append(total)
    totals.sort()
    medians = {
        name: round(sorted(times)[len(times) // 2] * 1000, 3)
        for name, times in per_question.items()
    }
    return {"seconds": totals[len(totals) // 2], "ms": medians, "rows": rows}


def step_questions(params: Params) -> Result:
    from kb.ecosystem.questions import ask

    store = _open(params)
    result = _run_questions(
        lambda name, values: len(ask(store, name, values).rows),
        one_organisation_questions(params),
        int(params.get("rounds", 5)),
    )
    store.close()
    return result


def step_impact(params: Params) -> Result:
    from kb.ecosystem.impact import impact

    store = _open(params)
    who = subjects(params)
    seconds, affected = timed(lambda: impact(store, who["provider"]))
    # A global vendor: the first call, then the median of ``rounds`` more, as a running server
    # answers them (the target is a p50).
    first, widest = timed(lambda: impact(store, who["global_vendor"]))
    median, _ = median_of(lambda: impact(store, who["global_vendor"]), int(params.get("rounds", 5)))
    store.close()
    return {
        "seconds": seconds,
        "affected": len(affected),
        "global_vendor_seconds": median,
        "global_vendor_first_seconds": first,
        "global_vendor_affected": len(widest),
    }


def step_report(params: Params) -> Result:
    from kb.ecosystem.questions import ask

    store = _open(params)
    asks = [(name, {}) for name in whole_ecosystem_questions()]
    asks += [("organisations-failing-precondition", {"precondition": str(p)}) for p in (1, 2, 3)]
    result = _run_questions(lambda name, values: len(ask(store, name, values).rows), asks, 1)
    store.close()
    return result


def whole_ecosystem_reports(store: Any) -> list[tuple[str, Callable[[], int]]]:
    """Every report about the whole ecosystem, each a call returning how many rows it made.

    The questions without parameters, the views the API and CLI build from them (roles of every
    organisation, provision cycles) and the service level report.
    """
    from kb.ecosystem.questions import ask
    from kb.ecosystem.views import cycles, roles_by_organisation
    from kb.reporting.service_levels import service_levels

    def question(name: str) -> Callable[[], int]:
        return lambda: len(ask(store, name).rows)

    reports = [(f"question {name}", question(name)) for name in whole_ecosystem_questions()]
    reports += [
        ("view roles", lambda: len(roles_by_organisation(store))),
        ("view cycles", lambda: len(cycles(store))),
        ("service level report", lambda: len(service_levels(store).rows)),
    ]
    return reports


def step_reports(params: Params) -> Result:
    """Each whole-ecosystem report timed on its own (median of ``rounds``); the step's time is the
    slowest report's, the figure a target such as "each report <= 1 s" is about."""
    store = _open(params)
    reports = whole_ecosystem_reports(store)
    rounds = int(params.get("rounds", 5))
    ready()
    ms: dict[str, float] = {}
    rows: dict[str, int] = {}
    for name, report in reports:
        seconds, rows[name] = median_of(report, rounds)
        ms[name] = round(seconds * 1000, 3)
    store.close()
    slowest = max(ms, key=ms.__getitem__)
    return {
        "seconds": ms[slowest] / 1000,
        "slowest": slowest,
        "over_1s": sorted(name for name, value in ms.items() if value > 1000),
        "ms": ms,
        "rows": rows,
    }


# -- the baseline stack ------------------------------------------------------------------------


def _rdflib_graph(params: Params, with_inferred: bool) -> Any:
    from rdflib import Graph

    graph = Graph()
    graph.parse(params["data"], format="turtle" if params["data"].endswith(".ttl") else "nt")
    if with_inferred:
        store = _open(params)
        graph.parse(data=store.dump("nt", graph=INFERRED_GRAPH), format="nt")
        store.close()
    return graph


def step_oxigraph_bulk_load(params: Params) -> Result:
    """pyoxigraph's own bulk load of the same file into a fresh disk store (the reference).

    What srkb's load adds (checking the file first, provenance, the journal that keeps it
    all-or-nothing) is measured against it. The store is left in ``bench/out``, ignored by git.
    """
    import pyoxigraph as ox

    target = Path(params["store"] + "-oxigraph")
    shutil.rmtree(target, ignore_errors=True)
    store = ox.Store(str(target))
    data = Path(params["data"])
    rdf_format = ox.RdfFormat.TURTLE if data.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
    graph = ox.NamedNode("https://example.org/bench")
    seconds, _ = timed(lambda: store.bulk_load(path=str(data), format=rdf_format, to_graph=graph))
    return {"seconds": seconds, "triples": len(store)}


def step_rdflib_parse(params: Params) -> Result:
    from rdflib import Graph

    data = params["data"]
    graph = Graph()
    fmt = "turtle" if data.endswith(".ttl") else "nt"
    seconds, _ = timed(lambda: graph.parse(data, format=fmt))
    return {"seconds": seconds, "triples": len(graph)}


def _rdflib_ask(graph: Any) -> Callable[[str, dict[str, str]], int]:
    """The same questions, bound the same way, answered by rdflib's SPARQL engine."""
    from kb.ecosystem.questions import convert_param, question
    from kb.sparql.text import bind

    def ask(name: str, values: dict[str, str]) -> int:
        q = question(name)
        bound = {p: convert_param(q, p, v) for p, v in values.items()}
        text = bind(q.sparql, bound) if bound else q.sparql
        return len(list(graph.query(text)))

    return ask


def step_rdflib_questions(params: Params) -> Result:
    graph = _rdflib_graph(params, with_inferred=True)
    return _run_questions(
        _rdflib_ask(graph), one_organisation_questions(params), int(params.get("rounds", 5))
    )


def step_rdflib_report(params: Params) -> Result:
    graph = _rdflib_graph(params, with_inferred=True)
    store = _open(params)
    from kb.namespaces import VALIDATION_GRAPH

    graph.parse(data=store.dump("nt", graph=VALIDATION_GRAPH), format="nt")
    store.close()
    asks = [(name, {}) for name in whole_ecosystem_questions()]
    asks += [("organisations-failing-precondition", {"precondition": str(p)}) for p in (1, 2, 3)]
    return _run_questions(_rdflib_ask(graph), asks, 1)


def _closure_digest(triples: Iterable[tuple[Any, Any, Any]], ontology: Any) -> tuple[int, str]:
    """Count and digest of the terms both engines derive (see tests/kb/test_owlrl_agreement.py)."""
    from rdflib import OWL, RDF, URIRef

    from kb.namespaces import FOAF, ORG, SRKB

    not_owl_rl = {SRKB.ConsumerTurnedProvider, SRKB.MutualRelationship, SRKB.MutualPartner}
    classes = (str(SRKB), str(ORG), str(FOAF))
    properties = {
        p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(str(SRKB))
    }
    kept = set()
    for s, p, o in triples:
        if not isinstance(s, URIRef) or not isinstance(o, URIRef):
            continue
        if p == RDF.type:
            if str(s).startswith(NAMESPACE) and str(o).startswith(classes) and o not in not_owl_rl:
                kept.add(f"{s} {p} {o}")
        elif p in properties:
            kept.add(f"{s} {p} {o}")
    digest = hashlib.sha256("\n".join(sorted(kept)).encode()).hexdigest()[:16]
    return len(kept), digest


def step_owlrl(params: Params) -> Result:
    import owlrl
    from rdflib import Graph

    ontology = Graph()
    for path in resources.ontology_files():
        ontology.parse(path, format="turtle")
    graph = _rdflib_graph(params, with_inferred=False)
    graph += ontology
    asserted = len(graph)
    seconds, _ = timed(lambda: owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph))
    theirs = _closure_digest(graph, ontology)
    store = _open(params)
    from kb.namespaces import knowledge_graphs

    ours_graph = Graph()
    for name in [*knowledge_graphs(store), INFERRED_GRAPH]:
        ours_graph.parse(data=store.dump("nt", graph=name), format="nt")
    store.close()
    ours = _closure_digest(ours_graph, ontology)
    return {
        "seconds": seconds,
        "closure": len(graph) - asserted,
        "compared_terms": theirs[0],
        "agrees_with_srkb": theirs == ours,
    }


def step_pyshacl(params: Params) -> Result:
    from rdflib import Graph

    from kb.validation.shacl import pyshacl_report

    data = _rdflib_graph(params, with_inferred=True)
    shapes = Graph()
    store = _open(params)
    shapes.parse(data=store.dump("nt", graph=SHAPES_GRAPH), format="nt")
    store.close()
    seconds, (conforms, report) = timed(lambda: pyshacl_report(data, shapes))
    from rdflib.namespace import SH

    return {
        "seconds": seconds,
        "findings": len(list(report.objects(None, SH.result))),
        "conforms": bool(conforms),
    }


STEPS: dict[str, Callable[[Params], Result]] = {
    "generate": step_generate,
    "load": step_load,
    "load-transactional": step_load_transactional,
    "oxigraph-bulk-load": step_oxigraph_bulk_load,
    "infer": step_infer,
    "infer-incremental": step_infer_incremental,
    "infer-unchanged": step_infer_unchanged,
    "start": step_start,
    "start-reinfer": step_start_reinfer,
    "write": step_write,
    "write-http": step_write_http,
    "validate": step_validate,
    "questions": step_questions,
    "impact": step_impact,
    "report": step_report,
    "reports": step_reports,
    "rdflib-parse": step_rdflib_parse,
    "rdflib-questions": step_rdflib_questions,
    "rdflib-report": step_rdflib_report,
    "owlrl": step_owlrl,
    "pyshacl": step_pyshacl,
}


def run_step(step: str, params: Params) -> Result:
    """Run a step in this process and add its peak memory."""
    result = STEPS[step](params)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def main(argv: list[str]) -> int:
    global CHILD
    CHILD = True
    logging.basicConfig(level=logging.WARNING)
    step, params = argv[0], json.loads(argv[1])
    result = run_step(step, params)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
