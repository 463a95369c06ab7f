"""deploy/Dockerfile, read statically (no Docker daemon here; docs/decisions/0064): its stages, user, health check."""

from __future__ import annotations

import fnmatch
import re
import tomllib

import pytest

from tests.support.process import REPO_ROOT
from tests.support.recipes import (
    DOCKERFILE,
    DOCKERIGNORE,
    Stage,
    copy_sources,
    dockerfile_stages,
    env_assignments,
    exec_form,
    instructions,
)


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages(DOCKERFILE.read_text())


def _arg_defaults(stages: list[Stage]) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for instruction in instructions(stages[0], "ARG"):
        name, _, value = instruction.arguments.partition("=")
        defaults[name] = value
    return defaults


def _resolved_base(stage: Stage, defaults: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda match: defaults[match.group(1)], stage.base)


def test_a_builder_and_a_runtime_stage(stages: list[Stage]) -> None:
    assert [stage.name for stage in stages[1:]] == ["builder", "runtime"]
    runtime = stages[-1]
    copied = [instruction.arguments for instruction in instructions(runtime, "COPY")]
    assert copied and all("--from=builder" in arguments for arguments in copied), copied
    assert not instructions(runtime, "RUN") or "uv" not in " ".join(i.arguments for i in instructions(runtime, "RUN"))


def test_every_base_image_is_pinned_never_latest(stages: list[Stage]) -> None:
    defaults = _arg_defaults(stages)
    for stage in stages[1:]:
        image = _resolved_base(stage, defaults)
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "@" not in name, f"stage {stage.name}: {image!r} needs a tag"


def test_uv_sync_is_locked_without_dev_dependencies(stages: list[Stage]) -> None:
    runs = [instruction.arguments for instruction in instructions(stages[1], "RUN")]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs, runs
    for sync in syncs:
        assert "--locked" in sync.split() and "--no-dev" in sync.split(), sync
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 1 and re.search(r"\buv==\d+\.\d+\.\d+\b", installs[0]), installs


def test_runs_as_a_numeric_non_root_user(stages: list[Stage]) -> None:
    users = instructions(stages[-1], "USER")
    assert len(users) == 1, users
    user, _, group = users[0].arguments.partition(":")
    assert user.isdigit() and int(user) != 0 and group.isdigit() and int(group) != 0, users[0]
    later = [i.keyword for i in stages[-1].instructions if i.line > users[0].line]
    assert "RUN" not in later, "nothing may run as root after USER"


def test_healthcheck_probes_health_live(stages: list[Stage]) -> None:
    checks = instructions(stages[-1], "HEALTHCHECK")
    assert len(checks) == 1, checks
    options, _, command = checks[0].arguments.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options, options
    argv = exec_form(command)
    assert argv is not None and argv[0] == "/app/.venv/bin/python", command
    assert "http://127.0.0.1:8000/health/live" in argv[-1], argv


def test_default_command_is_serve_on_all_interfaces(stages: list[Stage]) -> None:
    entrypoint = exec_form(instructions(stages[-1], "ENTRYPOINT")[0].arguments)
    command = exec_form(instructions(stages[-1], "CMD")[0].arguments)
    assert entrypoint == ["/app/.venv/bin/billing-gateway"]
    assert command == ["serve", "--host", "0.0.0.0", "--port", "8000"]
    assert [i.arguments for i in instructions(stages[-1], "EXPOSE")] == ["8000"]


def test_every_copied_path_exists_and_is_not_docker_ignored(stages: list[Stage]) -> None:
    ignored = [line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and line[0] != "#"]
    sources = [source for stage in stages for i in instructions(stage, "COPY") for source in copy_sources(i)]
    assert "uv.lock" in sources and "migrations" in sources, sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"COPY {source}: not in the repository"
        hits = [pattern for pattern in ignored if fnmatch.fnmatch(source, pattern.removeprefix("**/"))]
        assert not hits, f"COPY {source}: excluded by .dockerignore {hits}"


def test_the_image_holds_every_product_package(stages: list[Stage]) -> None:
    """The wheel's package list (pyproject) is what the builder copies, so `uv sync` installs all of it."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = {source for i in instructions(stages[1], "COPY") for source in copy_sources(i)}
    assert set(packages) <= copied, set(packages) - copied


def test_the_parser_reads_continuations_and_both_env_forms() -> None:
    parsed = dockerfile_stages('# c\nARG X=1\nFROM a:1 AS one\nRUN a \\\n    b\nENV K=v L="w x"\nFROM b:2\n')
    assert [(stage.name, stage.base) for stage in parsed] == [("", ""), ("one", "a:1"), ("1", "b:2")]
    assert instructions(parsed[1], "RUN")[0].arguments == "a b"
    assert env_assignments('K=v L="w x"') == {"K": "v", "L": "w x"}
    assert env_assignments("K one value") == {"K": "one value"}
