"""The deployment recipes in `deploy/`, read the way their tools read them, for tests/deploy.

Small parsers, each for what the tests check: a Dockerfile's instructions by stage (line
continuations, comments, `ENV` in both spellings), the compose and Kubernetes YAML, systemd unit
sections, the Procfile; and `environment_names()`, every variable name each recipe sets for a
gateway process, by recipe.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from tests.support.process import REPO_ROOT

DEPLOY: Final = REPO_ROOT / "deploy"
DOCKERFILE: Final = DEPLOY / "Dockerfile"
DOCKERIGNORE: Final = REPO_ROOT / ".dockerignore"
COMPOSE: Final = DEPLOY / "compose.yaml"
KUBERNETES: Final = DEPLOY / "kubernetes"
SYSTEMD: Final = DEPLOY / "systemd"
PROCFILE: Final = DEPLOY / "Procfile"
ENV_EXAMPLE: Final = SYSTEMD / "gateway.env.example"

GATEWAY_SERVICES: Final = ("migrate", "gateway", "worker")
"""The compose services that run the gateway image (postgres and redis set their images' own variables)."""

NON_SETTINGS: Final = {"PORT": "the Procfile's web port: honcho and Heroku-style platforms set it per process"}
"""Variables a recipe uses that are not `Settings` fields (each with why); keep this tiny."""


@dataclass
class Instruction:
    """One Dockerfile instruction: its keyword (upper-case), its argument text, its line, its stage."""

    keyword: str
    arguments: str
    line: int
    stage: str


@dataclass
class Stage:
    """One `FROM … AS name` stage."""

    name: str
    base: str
    instructions: list[Instruction] = field(default_factory=list)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each instruction: comments dropped, `\\` continuations joined."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        lines.append((start, " ".join(part for part in pending if part)))
        pending = []
    if pending:
        raise ValueError(f"line {start}: the last instruction ends with a line continuation")
    return lines


def dockerfile_stages(text: str) -> list[Stage]:
    """The stages of a Dockerfile, in order (ARGs before the first FROM go to a stage named `""`)."""
    stages: list[Stage] = [Stage("", "")]
    for number, line in _logical_lines(text):
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages) - 1)
            stages.append(Stage(name, words[0]))
        stages[-1].instructions.append(Instruction(keyword, arguments.strip(), number, stages[-1].name))
    return stages


def instructions(stage: Stage, keyword: str) -> list[Instruction]:
    """The `keyword` instructions of `stage`."""
    return [instruction for instruction in stage.instructions if instruction.keyword == keyword]


def env_assignments(arguments: str) -> dict[str, str]:
    """What one `ENV` sets: `ENV A=1 B="two"` or the legacy `ENV A one value`."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def exec_form(arguments: str) -> list[str] | None:
    """The JSON array of an exec-form `CMD`/`ENTRYPOINT`/`HEALTHCHECK CMD`, or None for shell form."""
    import json

    text = arguments.strip()
    if not text.startswith("["):
        return None
    value = json.loads(text)
    assert isinstance(value, list) and all(isinstance(item, str) for item in value), arguments
    return value


def copy_sources(instruction: Instruction) -> list[str]:
    """The build-context sources of a `COPY` (none for `COPY --from=…`, which copies from a stage)."""
    words = shlex.split(instruction.arguments)
    if any(word.startswith("--from") for word in words):
        return []
    paths = [word for word in words if not word.startswith("--")]
    return paths[:-1]


def compose_document() -> dict[str, Any]:
    """deploy/compose.yaml as YAML (anchors resolved; `${…}` interpolation left as written)."""
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def kubernetes_documents() -> list[tuple[Path, dict[str, Any]]]:
    """Every resource in deploy/kubernetes/*.yaml, with its file."""
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                found.append((path, document))
    return found


def pod_spec(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a Deployment or Job, else None."""
    if resource["kind"] not in ("Deployment", "Job"):
        return None
    spec: dict[str, Any] = resource["spec"]["template"]["spec"]
    return spec


def unit_sections(text: str) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit's `[Section]` → its (key, value) entries, in order (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"an entry before any section: {line!r}"
        key, separator, value = line.partition("=")
        assert separator, f"not key=value: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def unit_values(sections: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    """Every value of `key` in `section`."""
    return [value for name, value in sections.get(section, []) if name == key]


def env_file_names(text: str) -> list[str]:
    """The variable names of an EnvironmentFile / `.env` (KEY=value lines)."""
    names: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            names.append(line.split("=", 1)[0].strip())
    return names


def procfile_entries(text: str) -> dict[str, str]:
    """The Procfile's process types → their commands."""
    entries: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        assert re.fullmatch(r"[A-Za-z0-9_-]+", name), f"not a process type: {line!r}"
        entries[name] = command.strip()
    return entries


_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_ASSIGNMENT = re.compile(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=")


def environment_names() -> dict[str, set[str]]:
    """Every variable name each recipe sets for (or reads into) a gateway process, by recipe."""
    names: dict[str, set[str]] = {}
    for stage in dockerfile_stages(DOCKERFILE.read_text()):
        for instruction in instructions(stage, "ENV"):
            names.setdefault("Dockerfile ENV", set()).update(env_assignments(instruction.arguments))
    services = compose_document()["services"]
    for service in GATEWAY_SERVICES:
        environment = services[service].get("environment", {})
        keys = environment if isinstance(environment, dict) else [item.split("=", 1)[0] for item in environment]
        names.setdefault("compose environment", set()).update(keys)
    for path, resource in kubernetes_documents():
        label = f"kubernetes/{path.name}"
        if resource["kind"] == "ConfigMap":
            names.setdefault(label, set()).update(resource.get("data", {}))
        elif resource["kind"] == "Secret":
            names.setdefault(label, set()).update(resource.get("stringData", {}), resource.get("data", {}))
        spec = pod_spec(resource)
        for container in [] if spec is None else spec["containers"]:
            names.setdefault(label, set()).update(item["name"] for item in container.get("env", []))
    for unit in sorted(SYSTEMD.glob("*.service")):
        for value in unit_values(unit_sections(unit.read_text()), "Service", "Environment"):
            names.setdefault(f"systemd/{unit.name}", set()).update(_ASSIGNMENT.findall(value))
    names["systemd/gateway.env.example"] = set(env_file_names(ENV_EXAMPLE.read_text()))
    for command in procfile_entries(PROCFILE.read_text()).values():
        found = set(_REFERENCE.findall(command)) | set(_ASSIGNMENT.findall(command))
        names.setdefault("Procfile", set()).update(found)
    return names
