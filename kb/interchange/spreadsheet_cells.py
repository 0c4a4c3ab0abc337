"""Text for spreadsheet cells that a spreadsheet will never run as a formula.

Anyone who can name an organisation can name it ``=HYPERLINK("http://evil.example/","x")``, and a
spreadsheet that opens srkb's CSV or workbook export would run it (CSV injection). OWASP's rule:
a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with a single quote, which spreadsheets read as "this is text" and do not show. srkb applies it
to every CSV it writes (tabular exports, the validation report) and to the text cells of its
workbooks (which are also typed as text with Excel's quote-prefix style).

The rule is applied after leading spaces too (``" =1+1"``: some spreadsheets trim before they
evaluate), and to text that already starts with a quote, so that :func:`restore` is the exact
inverse: importing srkb's own export gives back the original value, whatever it was.

>>> neutralise("=1+1"), neutralise(" @SUM(A1)")
("'=1+1", "' @SUM(A1)")
>>> restore(neutralise("-1")), restore(neutralise("'quoted")), neutralise("plain")
('-1', "'quoted", 'plain')
"""

from __future__ import annotations

#: First characters a spreadsheet may evaluate (OWASP's list), and the quote that escapes them.
TRIGGERS = frozenset("=+-@\t\r")
QUOTE = "'"


def needs_quote(text: str) -> bool:
    """Whether ``text`` could start a formula, or would be mistaken for an escaped one."""
    if not text:
        return False
    if text[0] in TRIGGERS or text[0] == QUOTE:
        return True
    stripped = text.lstrip(" ")
    return bool(stripped) and stripped != text and stripped[0] in TRIGGERS


def neutralise(text: str) -> str:
    """``text`` as safe cell content: prefixed with a quote when a spreadsheet could run it."""
    return QUOTE + text if needs_quote(text) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`: the value srkb exported, from the cell it wrote."""
    if text.startswith(QUOTE) and needs_quote(text[1:]):
        return text[1:]
    return text
