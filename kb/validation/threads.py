"""How many shapes' queries a validation runs at once.

The shapes' queries are independent reads. Oxigraph evaluates each with the GIL released, and a
remote endpoint serves several requests side by side, so running them in a few threads shortens a
validation by up to the number of cores; the results keep the shapes' order either way.
"""

from __future__ import annotations

import os

from kb.errors import InputError

#: Environment variable: how many shapes' queries run at once (``1``: one after the other).
THREADS_VARIABLE = "SRKB_VALIDATION_THREADS"


def validation_threads() -> int:
    """How many shape queries run at once: ``SRKB_VALIDATION_THREADS``, else up to 4 by cores.

    More threads than cores gain nothing on the embedded store (the queries are CPU-bound in
    Oxigraph, which releases the GIL); a remote endpoint answers them side by side as well.
    """
    setting = os.environ.get(THREADS_VARIABLE, "").strip()
    if setting:
        try:
            value = int(setting)
        except ValueError:
            raise InputError(
                f"{THREADS_VARIABLE}={setting!r} is not a whole number",
                hint="set it to how many shape queries may run at once, such as 2 (1: serial)",
            ) from None
        if value < 1:
            raise InputError(
                f"{THREADS_VARIABLE}={setting!r}: at least one query must run",
                hint="set it to 1 or more",
            )
        return value
    return max(1, min(4, os.cpu_count() or 1))
