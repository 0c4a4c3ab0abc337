"""Progress of long steps: counts and rates on a terminal, nothing anywhere else."""

from __future__ import annotations

import io
import time

from rich.console import Console

from kb.progress import Stage, terminal_progress


def test_on_a_terminal_a_stage_shows_its_count_and_rate() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with terminal_progress(console) as show:
        assert show is not None
        show(Stage("parsing campus.ttl", 0, 5000))
        time.sleep(0.05)  # rich computes a rate from at least two samples apart in time
        show(Stage("parsing campus.ttl", 2500, 5000))
        show(Stage("parsing campus.ttl", 5000, 5000, finished=True))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "parsing campus.ttl" in text
    assert "of 5,000 triples" in text
    assert "triples/s" in text


def test_a_stage_without_a_total_shows_its_count() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with terminal_progress(console) as show:
        assert show is not None
        show(Stage("inference pass 2", 1234, unit="triples"))
    assert "1,234 triples" in console.file.getvalue()  # type: ignore[attr-defined]


def test_not_on_a_terminal_nothing_is_shown() -> None:
    console = Console(file=io.StringIO())
    with terminal_progress(console) as show:
        assert show is None
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_loading_reports_each_files_parse_with_its_count() -> None:
    from kb import resources
    from kb.interchange.loading import install_model, load_files
    from kb.store import open_store

    stages: list[Stage] = []
    store = open_store("memory")
    install_model(store)
    (loaded,) = load_files(store, [resources.example_file("campus")], progress=stages.append)
    finished = [s for s in stages if s.finished]
    assert [s.name for s in finished] == [f"parsing {resources.example_file('campus')}"]
    assert finished[0].done == loaded.triples


def test_validation_reports_shapes_done_of_all() -> None:
    from kb import resources
    from kb.interchange.loading import install_model, load_files
    from kb.reasoning.inference import infer
    from kb.store import open_store
    from kb.validation.shacl import validate

    stages: list[Stage] = []
    store = open_store("memory")
    install_model(store)
    load_files(store, [resources.example_file("campus")])
    infer(store)
    validate(store, save=False, progress=stages.append)
    assert {s.name for s in stages} == {"validating"}
    assert [s.done for s in stages] == list(range(len(stages)))
    assert stages[-1].finished
    assert stages[-1].done == stages[-1].total
    assert stages[-1].unit == "shapes"


def test_an_import_reports_its_rows_checked_of_all() -> None:
    from kb import resources
    from kb.interchange.importing import import_files
    from kb.store import open_store

    stages: list[Stage] = []
    campus = resources.example_file("campus").with_suffix(".yaml")
    import_files(open_store("memory"), [campus], progress=stages.append)
    assert stages
    assert {s.unit for s in stages} == {"rows"}
    assert stages[-1].finished
    assert stages[-1].done == stages[-1].total
    assert stages[-1].total is not None
    assert stages[-1].total > 20
