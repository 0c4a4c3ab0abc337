"""A real Virtuoso 7 process on 127.0.0.1, for running srkb's suites on Virtuoso.

Virtuoso comes from Debian's ``virtuoso-opensource-7-bin`` package (``make system-deps`` installs
it; the package holds only binaries, no service scripts, so nothing starts by itself). Each server
gets a directory of its own, an INI file naming two free loopback ports (SQL and HTTP) and that
directory, and is started in the foreground as a child process, so that stopping the tests stops
it. The server creates its database and grants the SQL user ``SPARQL`` the right
to run updates (Virtuoso refuses SPARQL updates without it). A start takes about 3 s, most of it
Virtuoso's own initialisation (copying a ready database does not shorten it).

A session shares servers between tests: :meth:`VirtuosoServer.reset` drops every graph that was
not there when the server started (Virtuoso keeps its own system graphs, such as
``http://www.openlinksw.com/schemas/virtrdf#``, in the same quad store; dropping them breaks it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import free_port

#: The INI file of a test server: small buffers (tests hold little data), loopback ports only,
#: and result limits above anything a test reads (Virtuoso's default cuts results at 10,000 rows).
_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {dir}
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
KeepAliveTimeout = 10

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 600
MaxQueryCostEstimationTime = 0
"""


def virtuoso_executables() -> tuple[str, str]:
    """Return the paths of ``virtuoso-t`` and ``isql-vt``, or say how to install them."""
    server = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt")
    if server is None or isql is None:
        raise RuntimeError(
            "Virtuoso is not installed (virtuoso-t and isql-vt not found): run `make system-deps`"
            " or `apt-get install virtuoso-opensource-7-bin`"
        )
    return server, isql


@dataclass
class VirtuosoServer:
    """One running ``virtuoso-t`` in its own directory, with its SPARQL endpoint on loopback."""

    process: subprocess.Popen[bytes]
    http_port: int
    sql_port: int
    directory: Path
    system_graphs: frozenset[str] = field(default=frozenset())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """Queries and updates both go to ``/sparql`` (Virtuoso has no ``/update``)."""
        return f"{self.base}/sparql"

    def isql(self, statement: str, *, timeout: float = 60) -> str:
        """Run one SQL statement as ``dba`` through ``isql-vt``; fail on any SQL error."""
        _server, isql = virtuoso_executables()
        done = subprocess.run(
            [isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql {statement!r} failed: {output.strip()[-500:]}")
        return output

    def graphs(self) -> set[str]:
        """Every graph that holds a triple, system graphs included."""
        body = self.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return {row["g"]["value"] for row in json.loads(body)["results"]["bindings"]}

    def sparql(self, text: str, *, update: bool = False) -> bytes:
        """Send one query (JSON results) or update to the endpoint, form-encoded."""
        data = urllib.parse.urlencode({"update" if update else "query": text}).encode()
        request = urllib.request.Request(
            self.sparql_url,
            data=data,
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return bytes(response.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            # Say what Virtuoso was doing (a stall of a minute was seen once under load 8-12).
            raise RuntimeError(f"Virtuoso on {self.sparql_url}: {err}; {self.log_tail()}") from err

    def log_tail(self, characters: int = 1500) -> str:
        """The end of Virtuoso's own log, for error messages."""
        log = self.directory / "virtuoso.log"
        text = log.read_text(errors="replace")[-characters:] if log.exists() else "(no log)"
        return f"process {'running' if self.process.poll() is None else 'exited'}, log:\n{text}"

    def reset(self) -> None:
        """Drop every graph the tests wrote, keeping Virtuoso's own."""
        for graph in sorted(self.graphs() - self.system_graphs):
            self.sparql(f"DROP SILENT GRAPH <{graph}>", update=True)

    def stop(self) -> None:
        """Stop the process (SIGTERM makes Virtuoso shut down cleanly), killing it if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def _write_ini(directory: Path, sql_port: int, http_port: int, buffers: int, max_rows: int) -> Path:
    ini = directory / "virtuoso.ini"
    ini.write_text(
        _INI.format(
            max_rows=max_rows,
            dir=directory,
            sql_port=sql_port,
            http_port=http_port,
            buffers=buffers,
            dirty=buffers * 3 // 4,
        )
    )
    return ini


def _launch(directory: Path, *, buffers: int, seconds: float, max_rows: int) -> VirtuosoServer:
    server_exe, _isql = virtuoso_executables()
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = _write_ini(directory, sql_port, http_port, buffers, max_rows)
    process = subprocess.Popen(
        [server_exe, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = VirtuosoServer(process, http_port, sql_port, directory)
    probe = f"{server.sparql_url}?query=ASK%7B%7D"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            log = directory / "virtuoso.log"
            tail = log.read_text(errors="replace")[-1000:] if log.exists() else ""
            server.stop()
            raise RuntimeError(f"virtuoso-t exited: {err} {tail}")
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"Virtuoso did not answer on port {http_port} within {seconds:g} s")


def start_virtuoso(
    directory: Path, *, buffers: int = 2000, seconds: float = 120, max_rows: int = 10_000_000
) -> VirtuosoServer:
    """Start Virtuoso with its files in ``directory`` (created), ready for SPARQL updates.

    ``buffers`` are 8 KiB database pages kept in memory (2,000 = 16 MiB: enough for the tests; a
    benchmark at a million triples wants about 100,000). Waits until the endpoint answers (at most
    ``seconds``: about 3 s on a quiet machine, over 30 s on a busy one) and raises if the process
    exits first.
    ``max_rows`` is where Virtuoso cuts results (its ``ResultSetMaxRows``; Debian's default is
    10,000).
    """
    directory.mkdir(parents=True, exist_ok=True)
    server = _launch(directory, buffers=buffers, seconds=seconds, max_rows=max_rows)
    try:
        server.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        server.system_graphs = frozenset(server.graphs())
    except Exception:
        server.stop()
        raise
    return server
