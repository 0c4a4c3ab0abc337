"""Streamed answers cut at their deadline: one line in the log, not a traceback.

A streamed body past its deadline (:mod:`kb.store.streaming`) ends with an exception, which is how
an ASGI app tells the server to close the connection without ending the body: the client sees a
truncated answer, the norm for streamed HTTP. The streaming module has logged a one-line warning
by then; uvicorn would add "Exception in ASGI application" with a traceback, which this filter on
its error logger leaves out (for that exception only), and :mod:`api.errors` does not log it.
"""

from __future__ import annotations

import logging

from kb.store.streaming import StreamExpiredError

#: The logger uvicorn reports an app's exceptions on.
SERVER_LOGGER = "uvicorn.error"


def expired(error: BaseException | None) -> bool:
    """Whether ``error`` is, or comes from, a stream closed at its deadline (groups included)."""
    todo, seen = [error], set()
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, StreamExpiredError):
            return True
        seen.add(id(current))
        todo += [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            todo += list(current.exceptions)
    return False


class ExpiredStreams(logging.Filter):
    """Drops the server's report of a stream closed at its deadline (already logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a record whose exception is, or was caused by, an expired stream."""
        return not (record.exc_info and expired(record.exc_info[1]))


def install() -> ExpiredStreams:
    """Put the filter on the server's error logger."""
    quiet = ExpiredStreams()
    logging.getLogger(SERVER_LOGGER).addFilter(quiet)
    return quiet


def uninstall(quiet: ExpiredStreams) -> None:
    """Take it off again."""
    logging.getLogger(SERVER_LOGGER).removeFilter(quiet)
