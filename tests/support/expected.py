"""Reading an example's expected.yaml: CURIEs expanded, rows as comparable tuples."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Literal, URIRef
from rdflib.term import Identifier

from kb import resources
from kb.namespaces import PREFIXES


@dataclass
class Expected:
    name: str
    prefixes: dict[str, str]
    conforms: bool
    roles: dict[str, set[str]]
    agent_roles: dict[str, set[str]]
    mutual_relationships: set[str]
    cycles: list[set[str]]
    findings: set[tuple[str | None, int, str, str, str, str | None]]
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Measurements the engine must classify srkb:ServiceLevelBreach (none unless listed).
    breaches: set[str] = field(default_factory=set)

    def expand(self, value: str) -> str:
        prefix, sep, local = value.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return value

    def curie(self, value: str) -> str:
        for prefix, ns in sorted(self.prefixes.items(), key=lambda kv: -len(kv[1])):
            if value.startswith(ns):
                return f"{prefix}:{value[len(ns) :]}"
        return value

    def cell(self, value: Any) -> str | None:
        """An expected cell as comparable text: IRIs expanded, literals as lexical form."""
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        text = str(value)
        expanded = self.expand(text)
        return expanded


def actual_cell(value: Identifier | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, URIRef | Literal):
        return str(value)
    return str(value)


def example_names() -> list[str]:
    return sorted(
        p.name for p in resources.examples_dir().iterdir() if (p / "expected.yaml").exists()
    )


def load_expected(name: str) -> Expected:
    path: Path = resources.examples_dir() / name / "expected.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    prefixes = dict(PREFIXES)
    prefixes.update(data.get("prefixes") or {})
    exp = Expected(
        name=name,
        prefixes=prefixes,
        conforms=bool(data.get("conforms", True)),
        roles={},
        agent_roles={},
        mutual_relationships=set(),
        cycles=[],
        findings=set(),
        answers=data.get("answers") or {},
    )
    exp.roles = {exp.expand(k): set(v or []) for k, v in (data.get("roles") or {}).items()}
    exp.agent_roles = {
        exp.expand(k): set(v or []) for k, v in (data.get("agent_roles") or {}).items()
    }
    exp.mutual_relationships = {exp.expand(r) for r in data.get("mutual_relationships") or []}
    exp.cycles = [{exp.expand(o) for o in cycle} for cycle in data.get("cycles") or []]
    exp.breaches = {exp.expand(m) for m in data.get("breaches") or []}
    for f in data.get("findings") or []:
        exp.findings.add(
            (
                exp.expand(f["organisation"]) if f.get("organisation") else None,
                int(f["precondition"]),
                exp.expand(f["focus"]),
                exp.expand(f["shape"]),
                str(f.get("severity", "Violation")),
                exp.expand(f["value"]) if f.get("value") is not None else None,
            )
        )
    return exp
