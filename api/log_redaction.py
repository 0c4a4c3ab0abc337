"""Secrets never reach the logs: the configured tokens and passwords are blanked in every record.

srkb never logs a token itself, but clients do put tokens where they do not belong (``?token=`` in
a URL, a path, a query's text), and uvicorn's access log prints every request line. While the app
runs, a filter on every logging handler replaces each configured secret (write and read tokens,
the remote store's password and token), as written and in any percent-encoding a client may choose
(each character as itself or as ``%XX`` of its UTF-8 bytes, hex digits in either case, ``+`` for a
space: ``?token=tok%2DSECRET`` decodes to the token, so it is blanked), with ``[redacted]``, in the
message, its arguments (uvicorn's access formatter reads them one by one) and any traceback text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from kb.config import Settings

REDACTED = "[redacted]"


class SecretRedactor(logging.Filter):
    """A handler filter that blanks secrets; it never drops a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.forms = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.pattern = (
            re.compile("|".join(_encodings(s) for s in self.forms)) if self.forms else None
        )

    def redact(self, text: str) -> str:
        """``text`` with every secret blanked, however it was percent-encoded."""
        return text if self.pattern is None else self.pattern.sub(REDACTED, text)

    def _clean(self, value: object) -> object:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, bytes):
            return self.redact(value.decode("utf-8", "replace")).encode()
        if self.pattern is not None and self.pattern.search(repr(value)):
            return self.redact(repr(value))
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        """Blank secrets in the record's message, arguments and traceback."""
        if not self.forms:
            return True
        record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._clean(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _encodings(secret: str) -> str:
    """A pattern for ``secret`` written with any of its characters percent-encoded."""

    def byte(value: int) -> str:
        digits = f"{value:02X}"
        return "%" + "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in digits)

    parts = []
    for character in secret:
        forms = [re.escape(character), "".join(byte(b) for b in character.encode())]
        if character == " ":
            forms.append(r"\+")
        parts.append("(?:" + "|".join(forms) + ")")
    return "".join(parts)


def secrets_of(settings: Settings) -> list[str]:
    """Every secret in the settings."""
    values = (settings.api_token, settings.read_token, settings.remote_password)
    found = [v.get_secret_value() for v in (*values, settings.remote_token) if v is not None]
    return [s for s in found if s]


def _handlers() -> set[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    return {handler for logger in loggers for handler in logger.handlers}


def install(settings: Settings) -> SecretRedactor:
    """Put a redactor of ``settings``' secrets on every handler configured now (uvicorn's too)."""
    redactor = SecretRedactor(secrets_of(settings))
    for handler in _handlers():
        handler.addFilter(redactor)
    return redactor


def uninstall(redactor: SecretRedactor) -> None:
    """Take the redactor off every handler again."""
    for handler in _handlers():
        handler.removeFilter(redactor)
