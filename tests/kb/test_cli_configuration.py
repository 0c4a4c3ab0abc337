"""One configuration path: the global options reach every verb, ``srkb serve`` included.

The global options are overrides of the settings (``SRKB_*`` variables, a dotenv file), so a flag
and its variable mean the same thing wherever they are given. Checked end to end: ``srkb serve``
on a remote store through an endpoint on 127.0.0.1 that records what it is sent.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kb.cli.application import State
from tests.support.app_server import start_app
from tests.support.hostile_endpoint import forward, hostile_endpoint
from tests.support.servers import start_oxigraph


@pytest.mark.remote
def test_serve_sends_the_remote_credentials_given_as_flags(tmp_path: Path) -> None:
    """``--user``/``--password`` and ``--update-url`` given before ``serve`` reach the endpoint."""
    server = start_oxigraph(tmp_path / "oxigraph")
    try:
        with hostile_endpoint(forward, upstream=server.base) as endpoint:
            app = start_app(
                tmp_path,
                store=endpoint.query_url,
                demo=False,
                global_args=[
                    "--user",
                    "alice",
                    "--password",
                    "s3cret",
                    "--update-url",
                    endpoint.update_url,
                ],
            )
            app.stop()
            seen = list(endpoint.seen)
    finally:
        server.stop()
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert seen, "srkb serve never asked the endpoint"
    assert {s.headers.get("Authorization") for s in seen} == {expected}
    assert any(s.kind == "update" and s.path.startswith("/update") for s in seen)


def test_flags_override_variables_which_override_the_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / "srkb.env"
    dotenv.write_text("SRKB_STORE=from-file\nSRKB_REMOTE_USER=file-user\nSRKB_PORT=9001\n")
    monkeypatch.setenv("SRKB_REMOTE_USER", "env-user")
    state = State()
    settings = state.settings(dotenv)
    assert (settings.store, settings.remote_user, settings.port) == ("from-file", "env-user", 9001)
    state.overrides = {"store": "from-flag", "remote_user": "flag-user"}
    settings = state.settings(dotenv)
    assert (settings.store, settings.remote_user, settings.port) == ("from-flag", "flag-user", 9001)
