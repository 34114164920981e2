"""A Docker image asset staged as a directory, and its command resolved locally."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from stratus.local.ecs.image import (
    ImageAsset,
    ImageError,
    asset_for_image,
    image_assets,
    local_path,
    resolve_command,
    stage_image,
)

DOCKERFILE = """\
FROM python:3.12-slim
ENV APP_HOME=/srv/web PYTHONPATH=/srv/web/lib
WORKDIR $APP_HOME
COPY requirements.txt ./
COPY app/ ./app/
COPY lib ./lib
COPY bin/start.sh /usr/local/bin/start
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""


@pytest.fixture
def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "context"
    (ctx / "app").mkdir(parents=True)
    (ctx / "lib").mkdir()
    (ctx / "bin").mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "requirements.txt").write_text("uvicorn\n")
    (ctx / "app" / "main.py").write_text("app = None\n")
    (ctx / "lib" / "util.py").write_text("")
    start = ctx / "bin" / "start.sh"
    start.write_text("#!/bin/sh\necho started\n")
    start.chmod(0o755)
    return ctx


def test_copies_are_links_into_the_context_under_the_workdir(context: Path, tmp_path: Path) -> None:
    staged = stage_image(ImageAsset("abc", context), tmp_path / "images")
    workdir = staged.workdir
    assert workdir == staged.root / "srv" / "web"
    assert (workdir / "requirements.txt").resolve() == (context / "requirements.txt").resolve()
    assert (workdir / "app" / "main.py").read_text() == "app = None\n"
    assert (workdir / "lib" / "util.py").exists()
    assert (staged.root / "usr/local/bin/start").resolve() == (context / "bin/start.sh").resolve()
    # Container paths that exist in the root are mapped; others stay as they are.
    assert staged.map_value("/srv/web/lib") == str(workdir / "lib")
    assert staged.map_value("/srv/web/lib:/usr/lib") == f"{workdir / 'lib'}:/usr/lib"
    assert staged.map_value("/etc/passwd") == "/etc/passwd"
    assert staged.map_value("plain") == "plain"


def test_program_resolves_to_the_local_python_environment(context: Path, tmp_path: Path) -> None:
    staged = stage_image(ImageAsset("abc", context), tmp_path / "images")
    path = local_path()
    argv = resolve_command(staged, staged.config.command(), path)
    assert argv[0] == str(Path(sys.executable).parent / "uvicorn")
    assert argv[1:] == ["app.main:app", "--host", "0.0.0.0"]
    python = resolve_command(staged, ["/usr/local/bin/python", "-V"], path)
    assert python[0] == str(Path(sys.executable).parent / "python")
    own = resolve_command(staged, ["/usr/local/bin/start"], path)
    assert own[0] == str(staged.root / "usr/local/bin/start")
    assert os.access(own[0], os.X_OK)


def test_unknown_program_fails_clearly(context: Path, tmp_path: Path) -> None:
    staged = stage_image(ImageAsset("abc", context), tmp_path / "images")
    with pytest.raises(ImageError, match="'no-such-server' is not found locally"):
        resolve_command(staged, ["no-such-server", "--port", "80"], local_path())
    with pytest.raises(ImageError, match="no command"):
        resolve_command(staged, [], local_path())


def test_copy_of_a_missing_file_fails(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text('FROM x\nCOPY nothing.py /app/\nCMD ["python"]\n')
    with pytest.raises(ImageError, match="not in the image's build context"):
        stage_image(ImageAsset("h", ctx), tmp_path / "images")


def test_assets_found_by_image_tag(tmp_path: Path) -> None:
    (tmp_path / "asset.h1").mkdir()
    manifest = {
        "dockerImages": {
            "h1": {
                "source": {"directory": "asset.h1", "dockerFile": "Dockerfile.web",
                           "dockerBuildArgs": {"A": "1"}, "dockerBuildTarget": "run"},
                "destinations": {"d": {"repositoryName": "r", "imageTag": "h1"}},
            }
        }
    }
    (tmp_path / "Stack.assets.json").write_text(json.dumps(manifest))
    assets = image_assets(tmp_path)
    asset = asset_for_image("000000000000.dkr.ecr.us-east-1.amazonaws.com/r:h1", assets)
    assert asset is not None
    assert asset.directory == (tmp_path / "asset.h1").resolve()
    assert (asset.dockerfile, asset.build_args, asset.target) == (
        "Dockerfile.web", (("A", "1"),), "run"
    )
    assert asset_for_image("public.ecr.aws/nginx/nginx:latest", assets) is None
