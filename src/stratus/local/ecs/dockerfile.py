"""What a container image would run, read from its Dockerfile (no image is built).

`dockerfile-parse` (a maintained parser) splits the file into instructions with the
environment in force at each line, and its `WordSplitter` expands `$VAR`/`${VAR}` and
splits words as the Docker builder does. Here only the instructions that shape the running
process are kept: WORKDIR, ENV, ARG defaults (with the asset's build args), COPY/ADD of
local files, EXPOSE, USER, ENTRYPOINT and CMD of the stage that is built (the last one, or
the asset's build target). RUN steps are not executed: the local cloud runs the command
with its own Python environment instead of the image's installed packages.

Docker's rules copied: JSON (exec) form vs shell form (`/bin/sh -c`), a CMD after an
ENTRYPOINT is its arguments, an ENTRYPOINT resets an earlier CMD, and relative WORKDIRs
join the previous one (https://docs.docker.com/reference/dockerfile/).
"""

from __future__ import annotations

import io
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser
from dockerfile_parse.util import WordSplitter


class DockerfileError(ValueError):
    """The Dockerfile cannot be read as a runnable image (the message says why)."""


@dataclass(frozen=True)
class Copy:
    """A COPY/ADD of build-context files: sources relative to the context, a container path."""

    sources: tuple[str, ...]
    destination: str  # absolute, in the container


@dataclass
class ImageConfig:
    """The parts of an image's config that decide how its container runs."""

    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    exposed: list[int] = field(default_factory=list)
    user: str | None = None
    skipped: list[str] = field(default_factory=list)  # instructions not applied locally

    def command(
        self, entry_override: list[str] | None = None, cmd_override: list[str] | None = None
    ) -> list[str]:
        """The process argv: a task definition's EntryPoint/Command replace the image's, as
        Docker's --entrypoint and command do (an EntryPoint override drops the image's CMD)
        https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
        """
        entry = list(entry_override) if entry_override else list(self.entrypoint)
        if cmd_override:
            cmd = list(cmd_override)
        elif entry_override:
            cmd = []
        else:
            cmd = list(self.cmd)
        return entry + cmd


def _words(value: str, env: Mapping[str, str]) -> list[str]:
    return list(WordSplitter(value, envs=dict(env)).split())


def _exec_or_shell(value: str) -> list[str]:
    """JSON array form runs as is; anything else is shell form, run by /bin/sh -c."""
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
            return list(parsed)
    return ["/bin/sh", "-c", text]


def _stages(structure: list[dict[str, object]]) -> list[tuple[str | None, int, int]]:
    """(stage name, first index, end index) of each FROM ... block."""
    starts = [i for i, item in enumerate(structure) if item["instruction"] == "FROM"]
    if not starts:
        raise DockerfileError("the Dockerfile has no FROM instruction")
    stages = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(structure)
        words = str(structure[start]["value"]).split()
        name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        stages.append((name, start, end))
    return stages


def parse_dockerfile(
    text: str, build_args: Mapping[str, str] | None = None, target: str | None = None
) -> ImageConfig:
    """The runnable config of the stage built (`target`, else the last)."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    if build_args:
        parser.build_args = dict(build_args)
    structure = parser.structure
    stages = _stages(structure)
    if target:
        chosen = [s for s in stages if s[0] == target]
        if not chosen:
            raise DockerfileError(f"the Dockerfile has no stage named {target!r}")
        _, first, end = chosen[0]
    else:
        _, first, end = stages[-1]
    config = ImageConfig()
    args: dict[str, str] = {}
    for index in range(first + 1, end):
        item = structure[index]
        instruction, value = str(item["instruction"]), str(item["value"])
        env = {**args, **config.env}
        if instruction == "ARG":
            name, _, default = value.partition("=")
            name = name.strip()
            supplied = (build_args or {}).get(name)
            args[name] = supplied if supplied is not None else _unquote(default, env)
        elif instruction == "ENV":
            config.env.update(_env_pairs(value, env))
        elif instruction == "WORKDIR":
            config.workdir = posixpath.normpath(
                posixpath.join(config.workdir, _unquote(value, env))
            )
        elif instruction in ("COPY", "ADD"):
            copy = _copy(instruction, value, env, config.workdir)
            if copy is None:
                config.skipped.append(f"{instruction} {value}")
            else:
                config.copies.append(copy)
        elif instruction == "EXPOSE":
            for word in _words(value, env):
                port = word.split("/")[0]
                if port.isdigit():
                    config.exposed.append(int(port))
        elif instruction == "USER":
            config.user = _unquote(value, env)
        elif instruction == "ENTRYPOINT":
            config.entrypoint = _exec_or_shell(value)
            config.cmd = []  # an ENTRYPOINT resets a CMD of the base or earlier lines
        elif instruction == "CMD":
            config.cmd = _exec_or_shell(value)
        elif instruction not in ("COMMENT", "LABEL", "MAINTAINER", "STOPSIGNAL"):
            config.skipped.append(f"{instruction} {value}")
    return config


def _unquote(value: str, env: Mapping[str, str]) -> str:
    return str(WordSplitter(value.strip(), envs=dict(env)).dequote())


def _env_pairs(value: str, env: Mapping[str, str]) -> dict[str, str]:
    words = _words(value, env)
    if words and all("=" in w for w in words):
        return dict(w.split("=", 1) for w in words)
    # The legacy form `ENV NAME value with spaces`.
    name, _, rest = value.strip().partition(" ")
    return {name: _unquote(rest, env)}


def _copy(instruction: str, value: str, env: Mapping[str, str], workdir: str) -> Copy | None:
    """A COPY of build-context files; None for --from (another stage or image) and URLs."""
    words = _words(value, env)
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    if any(f.startswith("--from") for f in flags) or len(paths) < 2:
        return None
    if value.strip().startswith("[") or any("://" in p for p in paths):
        if value.strip().startswith("["):
            paths = json.loads(value.strip())
        if any("://" in p for p in paths):
            return None
    *sources, destination = paths
    if not destination.startswith("/"):
        keep_slash = destination.endswith("/") or destination in (".", "./")
        destination = posixpath.normpath(posixpath.join(workdir, destination))
        if keep_slash and not destination.endswith("/"):
            destination += "/"
    return Copy(tuple(sources), destination)
