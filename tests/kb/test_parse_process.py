"""Uploads are parsed in a helper process: same results, same errors, and a dead helper recovers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kb import resources
from kb.errors import InputError
from kb.interchange import parse_process
from kb.interchange.importing import ImportValidationError, parse_tabular
from kb.interchange.parse_process import in_helper
from kb.protocol.requests import HELPER_FORM_BYTES, decode_form, form_fields

UPLOADS = sorted(
    p
    for p in resources.examples_dir().glob("*/*")
    if p.suffix in (".yaml", ".xlsx", ".csv") and p.name != "expected.yaml"
)


@pytest.fixture(autouse=True, scope="module")
def fresh_helper() -> Iterator[None]:
    parse_process.shutdown()
    yield
    parse_process.shutdown()


def test_the_helper_is_another_process_that_defers_to_the_server() -> None:
    pid = in_helper(os.getpid)
    assert pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.parametrize("path", UPLOADS, ids=[p.name for p in UPLOADS])
def test_an_upload_parses_there_as_it_does_here(path: Path) -> None:
    body = path.read_bytes()
    fmt = path.suffix.lstrip(".")
    here = parse_tabular(body, fmt, name=path.name)
    there = in_helper(parse_tabular, body, fmt, name=path.name)
    assert (there.name, there.graph, there.fmt) == (here.name, here.graph, here.fmt)
    assert sorted(map(str, there.quads)) == sorted(map(str, here.quads))
    assert here.quads


def test_problems_come_back_whole() -> None:
    """The error keeps its count of all problems, the listed ones and their locations."""
    rows = "\n".join(["  - {id: Same, label: Same}"] * 300)
    body = f"base: https://example.org/x#\norganisations:\n{rows}\n".encode()
    with pytest.raises(ImportValidationError) as here:
        parse_tabular(body, "yaml", name="dup.yaml")
    with pytest.raises(ImportValidationError) as there:
        in_helper(parse_tabular, body, "yaml", name="dup.yaml")
    assert there.value.total == here.value.total == 299
    assert there.value.problems == here.value.problems
    assert str(there.value) == str(here.value)


def test_a_located_error_keeps_its_location() -> None:
    body = b"organisations:\n  - {id: A\n"
    with pytest.raises(InputError) as here:
        parse_tabular(body, "yaml", name="broken.yaml")
    with pytest.raises(InputError) as there:
        in_helper(parse_tabular, body, "yaml", name="broken.yaml")
    assert type(there.value) is type(here.value)
    assert str(there.value) == str(here.value)
    assert vars(there.value) == vars(here.value)


def test_a_helper_that_dies_is_replaced() -> None:
    pid = in_helper(os.getpid)
    os.kill(pid, signal.SIGKILL)
    noticed: InputError | None = None
    for _ in range(50):  # bounded: the pool notices the death within a moment
        try:
            in_helper(os.getpid)
        except InputError as err:
            noticed = err
            break
        time.sleep(0.1)
    assert noticed is not None, "a killed helper was not noticed"
    assert "parsing process stopped" in str(noticed)
    assert in_helper(os.getpid) not in (pid, os.getpid())


def test_a_large_form_is_decoded_in_the_helper_as_a_small_one_is_here() -> None:
    """Forms from HELPER_FORM_BYTES on go to the helper; the fields are the same either way,
    and a form that is not UTF-8 is refused with the same error.
    """
    query = "SELECT * WHERE { ?s ?p ?o FILTER(" + "&&".join(["?o"] * 20_000) + ") }"
    body = urlencode({"query": query, "default-graph-uri": "urn:é"}).encode()
    assert len(body) >= HELPER_FORM_BYTES
    assert (
        form_fields(body) == decode_form(body) == [("query", query), ("default-graph-uri", "urn:é")]
    )
    bad = body + b"&x=%FF"
    with pytest.raises(InputError) as there:
        form_fields(bad)
    with pytest.raises(InputError) as here:
        decode_form(bad)
    assert str(there.value) == str(here.value) == "form: the form body is not valid UTF-8"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) is gone too.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def test_the_helper_ends_when_its_server_is_killed() -> None:
    """A server killed outright cannot stop its helper: the helper sees it gone and ends."""
    script = (
        "import os, sys\n"
        "from kb.interchange.parse_process import in_helper\n"
        "print(in_helper(os.getpid), flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    ) as server:
        try:
            assert server.stdout is not None
            helper = int(server.stdout.readline())
            assert _alive(helper)
        finally:
            server.kill()
            server.wait(timeout=30)
    for _ in range(100):  # bounded: the helper looks every half second
        if not _alive(helper):
            break
        time.sleep(0.1)
    assert not _alive(helper), "the helper outlived its server"
