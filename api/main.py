"""The FastAPI application: ``create_app(settings)``; nothing is opened at import time.

Run it with ``srkb serve`` (or ``uvicorn --factory api.main:create_app``). The lifespan opens the
store, installs the model, loads the demo when ``SRKB_DEMO`` is set, and closes the store at exit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api import errors, log_redaction, streams
from api.limits import BodyTimeout, ConcurrencyLimit, RateLimit, RefusalDelay
from api.routes import (
    ecosystem,
    exports,
    graph_store,
    maps,
    pages,
    resources,
    sparql,
    validation,
)
from api.routes import imports as import_routes
from kb import __version__
from kb.config import Settings, load_settings
from kb.interchange import parse_process
from kb.interchange.ontology_docs import prerender
from kb.knowledge_base import KnowledgeBase
from kb.protocol.sparql_endpoint import QueryThreads, open_workers
from kb.store.terms import quiet_literal_warnings

log = logging.getLogger(__name__)

DESCRIPTION = """
The ITIL 4 service relationship model as a knowledge base: a SPARQL 1.1 endpoint (`/sparql`,
`/update`, `/store`), ecosystem questions as JSON, linked data for every resource (`/id?iri=`),
exports, and validation reports of the three preconditions.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: from ``SRKB_*`` environment variables)."""
    config = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redactor = log_redaction.install(config)  # tokens in a URL must not reach the access log
        quiet_literal_warnings()  # anyone's ill-typed literal must not put a traceback in the log
        expired = streams.install()  # a stream cut at its deadline: one line, not a traceback
        kb = await run_in_threadpool(KnowledgeBase.open, config)
        kb.prepare_writes_in_background()  # readiness and the last run, before the first write
        app.state.kb = kb
        app.state.settings = config
        # /sparql's queries: in worker processes that are killed at the timeout when the store
        # is on disk, else in threads whose abandoned queries are bounded
        # (kb.protocol.sparql_endpoint).
        app.state.query_threads = QueryThreads(config.max_abandoned_queries)
        app.state.query_workers = open_workers(kb.store, config.query_workers, config.query_memory)
        # the ontology's documentation page takes seconds to make: make it now, not on the first
        # visit to /ontology (kb.interchange.ontology_docs)
        prerender(kb.store, failed=lambda error: log.warning("ontology page not made: %s", error))
        log.info("srkb serving %s", kb.store.location)
        try:
            yield
        finally:
            if app.state.query_workers is not None:
                await run_in_threadpool(app.state.query_workers.close)
            app.state.query_threads.close()
            parse_process.shutdown()  # the uploads' parsing process, if one was started
            kb.close()
            log_redaction.uninstall(redactor)
            streams.uninstall(expired)

    app = FastAPI(
        title="srkb",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0"},
    )
    errors.install(app)
    # Added last runs first: a client over its rate is refused before it takes a request slot.
    app.add_middleware(BodyTimeout, seconds=config.body_timeout)
    app.add_middleware(
        ConcurrencyLimit,
        limit=config.max_concurrent_requests,
        per_client=config.max_client_requests,
    )
    # A client refused again and again waits before it takes a slot (holding none meanwhile).
    app.add_middleware(
        RefusalDelay, most=config.refusal_delay, per_client=config.max_client_requests
    )
    app.add_middleware(RateLimit, rate=config.rate_limit, burst=config.rate_limit_burst)
    app.include_router(import_routes.router)
    for module in (pages, sparql, ecosystem, resources, exports, validation, graph_store, maps):
        app.include_router(module.router)
    # The map's script and the vendored Cytoscape.js: public, served from the package, no CDN.
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    return app
