"""The CLI a newcomer reads: CURIEs of the loaded files both ways, tables that fit, every format.

Run as a real process with ``COLUMNS`` set, as in a terminal of that width.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb import resources

CAMPUS = "https://example.org/campus#"


def srkb(*args: str | Path, store: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
    env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "kb", "--store", str(store), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def campus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("readable") / "store"
    done = srkb("load", resources.example_file("campus"), store=store)
    assert done.returncode == 0, done.stderr
    return store


def test_ask_reads_a_curie_of_the_loaded_file(campus: Path) -> None:
    done = srkb("ask", "dependents-of", "-p", "provider=ex:NetCo", "--format", "csv", store=campus)
    assert done.returncode == 0, done.stderr
    assert f"{CAMPUS}Finance" in done.stdout.splitlines()


def test_tables_print_curies_with_labels(campus: Path) -> None:
    done = srkb("ask", "dependents-of", "-p", f"provider={CAMPUS}NetCo", store=campus)
    assert done.returncode == 0, done.stderr
    assert "ex:Finance (Finance Department)" in done.stdout
    assert "https://example.org" not in done.stdout


def test_tables_fit_the_terminal_and_cut_no_identifier(campus: Path) -> None:
    for args in (("questions",), ("ask", "mutual-relationships"), ("stats",)):
        done = srkb(*args, store=campus, columns=80)
        assert done.returncode == 0, done.stderr
        assert "…" not in done.stdout, args
        assert max(len(line) for line in done.stdout.splitlines()) <= 80, args
        if args == ("questions",):
            assert "organisations-failing-precondition" in done.stdout
            assert "consumer-turned-providers" in done.stdout


def test_explain_prints_curies(campus: Path) -> None:
    done = srkb("explain", "ex:Canteen", store=campus)
    assert done.returncode == 0, done.stderr
    assert "o=ex:Canteen" in done.stdout
    assert CAMPUS not in done.stdout


@pytest.mark.parametrize(
    ("verb", "fmt"),
    [
        (("questions",), "md"),
        (("questions",), "csv"),
        (("questions",), "tsv"),
        (("questions",), "json"),
        (("stats",), "json"),
        (("ask", "organisation-roles"), "md"),
    ],
)
def test_listing_verbs_take_every_format(campus: Path, verb: tuple[str, ...], fmt: str) -> None:
    done = srkb(*verb, "--format", fmt, store=campus)
    assert done.returncode == 0, done.stderr
    if fmt == "json":
        rows = json.loads(done.stdout)
        assert isinstance(rows, list)
        assert rows
        if verb == ("stats",):
            assert all(isinstance(row["count"], int) for row in rows)
    if fmt == "md":
        assert done.stdout.splitlines()[1].startswith("|---|")


def test_a_prefix_two_files_define_differently_is_refused_with_both(tmp_path: Path) -> None:
    store = tmp_path / "store"
    files = [resources.example_file("campus"), resources.example_file("cloud-three-tier")]
    assert srkb("load", *files, store=store).returncode == 0
    done = srkb("ask", "dependents-of", "-p", "provider=ex:NetCo", store=store)
    assert done.returncode == 2
    assert "campus.ttl" in done.stderr
    assert "cloud-three-tier.ttl" in done.stderr
    assert "give the full IRI" in done.stderr
