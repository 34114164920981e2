"""Dockerfile -> the command a container runs, as Docker would build it."""

from __future__ import annotations

import pytest

from stratus.local.ecs.dockerfile import Copy, DockerfileError, parse_dockerfile

APP = """\
FROM python:3.12-slim AS base
ARG PORT=8000
ENV APP_HOME=/srv/web \\
    GREETING="hi there"
WORKDIR $APP_HOME
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY app/ ./app/
EXPOSE ${PORT}/tcp
USER nobody
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""


def test_exec_form_cmd_with_env_workdir_and_copies() -> None:
    config = parse_dockerfile(APP)
    assert config.command() == ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
    assert config.workdir == "/srv/web"
    assert config.env == {"APP_HOME": "/srv/web", "GREETING": "hi there"}
    assert config.copies == [
        Copy(("requirements.txt",), "/srv/web/"),
        Copy(("app/",), "/srv/web/app/"),
    ]
    assert config.exposed == [8000]
    assert config.user == "nobody"
    assert any(s.startswith("RUN ") for s in config.skipped)


def test_build_arg_overrides_arg_default() -> None:
    text = "FROM x\nARG PORT=8000\nEXPOSE $PORT\nCMD serve --port $PORT\n"
    assert parse_dockerfile(text, {"PORT": "9000"}).exposed == [9000]
    assert parse_dockerfile(text).exposed == [8000]


def test_shell_form_runs_through_sh() -> None:
    config = parse_dockerfile("FROM x\nCMD gunicorn -b 0.0.0.0:80 app:app\n")
    assert config.command() == ["/bin/sh", "-c", "gunicorn -b 0.0.0.0:80 app:app"]


def test_entrypoint_plus_cmd_and_task_definition_overrides() -> None:
    config = parse_dockerfile(
        'FROM x\nCMD ["--port", "1"]\nENTRYPOINT ["serve"]\nCMD ["--port", "2"]\n'
    )
    assert config.command() == ["serve", "--port", "2"]
    # The task definition's Command replaces CMD only; its EntryPoint drops the image's CMD.
    assert config.command(cmd_override=["--port", "3"]) == ["serve", "--port", "3"]
    assert config.command(entry_override=["other"]) == ["other"]
    assert config.command(["other"], ["x"]) == ["other", "x"]


def test_entrypoint_resets_an_earlier_cmd() -> None:
    config = parse_dockerfile('FROM x\nCMD ["a"]\nENTRYPOINT ["serve"]\n')
    assert config.command() == ["serve"]


def test_relative_workdirs_join_and_the_last_stage_is_built() -> None:
    text = (
        "FROM x AS build\nWORKDIR /build\nCMD [\"nope\"]\n"
        "FROM y AS run\nWORKDIR /a\nWORKDIR b\nCOPY --from=build /build/out ./out\n"
        "COPY main.py .\nCMD [\"python\", \"main.py\"]\n"
    )
    config = parse_dockerfile(text)
    assert config.workdir == "/a/b"
    assert config.command() == ["python", "main.py"]
    assert config.copies == [Copy(("main.py",), "/a/b/")]
    assert any("--from=build" in s for s in config.skipped)
    assert parse_dockerfile(text, target="build").command() == ["nope"]


def test_unknown_target_and_missing_from_are_errors() -> None:
    with pytest.raises(DockerfileError, match="no stage named"):
        parse_dockerfile("FROM x AS a\nCMD [\"a\"]\n", target="b")
    with pytest.raises(DockerfileError, match="no FROM"):
        parse_dockerfile("CMD [\"a\"]\n")
