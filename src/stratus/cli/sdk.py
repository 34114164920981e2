"""`stratus sdk API STAGE --lang python|typescript`: a typed client for a running REST API.

The client is generated from the stage's export, exactly what `aws apigateway get-export`
returns from the running cloud (GetExport on its AWS endpoint), so it describes what the
local gateway serves. API is the REST API's name or id (GetRestApis). The generators and
why they were chosen: `stratus.local.gateway.sdk`. The TypeScript tools are installed,
pinned, into `<state dir>/sdk-tools` the first time (npm's progress is shown).

The running cloud is found as `stratus down` finds it (the project's cdk.json, `--app`,
`--state-dir`); its AWS endpoint is `--endpoint-url`, else $AWS_ENDPOINT_URL, else the
default port (a cloud started on other ports is not recorded in its state directory).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from stratus.cli.up import project_root
from stratus.local.core.settings import (
    AWS_PORT,
    REGION,
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    LocalSettings,
)

console = Console(stderr=True)
LANGS = ("python", "typescript")


def sdk(
    api: str = typer.Argument(..., help="The REST API's name or id."),
    stage: str = typer.Argument(..., help="The stage to generate the client for."),
    lang: str = typer.Option(..., "--lang", help="python | typescript"),
    out: Path | None = typer.Option(
        None, "--out", file_okay=False, help="Folder to write (default: ./<api>-client)."
    ),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Type-check the TypeScript client with tsc."
    ),
    app_dir: Path | None = typer.Option(
        None, "--app", metavar="DIR", file_okay=False, help="The CDK app given to `up --app`."
    ),
    state_dir: Path | None = typer.Option(None, help="State directory of the running cloud."),
    endpoint_url: str | None = typer.Option(
        None,
        "--endpoint-url",
        help=f"AWS endpoint of the running cloud (default: $AWS_ENDPOINT_URL, else :{AWS_PORT}).",
    ),
    region: str = typer.Option(REGION, envvar="AWS_REGION", help="Region of the API."),
) -> None:
    """Write a typed client for a REST API stage of the running cloud (from its export)."""
    from stratus.local.gateway import sdk as generators

    lang = lang.lower()
    if lang not in LANGS:
        raise typer.BadParameter(f"{lang!r}: choose {' or '.join(LANGS)}", param_hint="--lang")
    settings = LocalSettings.for_project(project_root(app_dir), state_dir)
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint is None:
        _require_running(settings)
        endpoint = settings.aws_endpoint
    client = boto3.client(
        "apigateway",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", ROOT_ACCESS_KEY_ID),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ROOT_SECRET_ACCESS_KEY),
    )
    try:
        api_id = _find_api(client, api)
        export = client.get_export(restApiId=api_id, stageName=stage, exportType="oas30")
    except (ClientError, BotoCoreError) as exc:
        console.print(f"[red]cannot export {api}/{stage} from {endpoint}:[/red] {exc}")
        raise typer.Exit(1) from exc
    document: dict[str, Any] = json.loads(export["body"].read())
    names = generators.names_for(str(document.get("info", {}).get("title", api)))
    target = (out or Path.cwd() / names.project).resolve()
    try:
        if lang == "python":
            with console.status("generating the Python client (openapi-python-client)"):
                generators.generate_python(document, target)
        else:
            generators.generate_typescript(
                document,
                target,
                settings.state_dir / generators.TOOLS_DIR,
                check=check,
                log=lambda line: console.print(f"  {line}"),
                stream=True,
            )
    except generators.SdkError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    _report(lang, names, target, generators.base_url(generators.sdk_document(document)))


def _require_running(settings: LocalSettings) -> None:
    from stratus.local.cloud import read_state_pid

    pid = read_state_pid(settings)
    alive = False
    if pid is not None:
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
    if not alive:
        console.print(
            f"stratus up is not running with state in {settings.state_dir}: start it, or "
            "give --endpoint-url (or --state-dir / --app for another cloud)"
        )
        raise typer.Exit(1)


def _find_api(client: Any, wanted: str) -> str:
    apis = [
        item for page in client.get_paginator("get_rest_apis").paginate() for item in page["items"]
    ]
    by_id = [a for a in apis if a["id"] == wanted]
    by_name = [a for a in apis if a.get("name") == wanted]
    if by_id:
        return str(by_id[0]["id"])
    if len(by_name) == 1:
        return str(by_name[0]["id"])
    listing = ", ".join(f"{a.get('name')} ({a['id']})" for a in apis) or "none"
    if by_name:
        console.print(f"several REST APIs are named {wanted!r}; give an id: {listing}")
    else:
        console.print(f"no REST API named or with id {wanted!r}; the cloud has: {listing}")
    raise typer.Exit(1)


def _report(lang: str, names: Any, target: Path, url: str) -> None:
    console.print(f"wrote the {lang} client [bold]{names.project}[/bold] to {target}")
    if lang == "python":
        console.print(
            f"  from {names.package} import AuthenticatedClient\n"
            f"  from {names.package}.stage import DEFAULT_BASE_URL\n"
            f"  from {names.package}.api.default import ...\n"
            '  client = AuthenticatedClient(base_url=DEFAULT_BASE_URL, token=id_token, prefix="")'
        )
    else:
        console.print(
            f'  import {{ createApiClient }} from "{names.project}";  // {url}\n'
            "  const api = createApiClient();"
        )
