"""The CLI end to end against a stub API: output, one-line errors, ETag conflicts, 401 retry."""

from __future__ import annotations

from typing import Any

from cli_fakes import CliWorld, StubApi
from typer.testing import CliRunner

from stratus.cli.todo import app

TODO = {
    "id": "t1", "title": "Buy milk", "notes": None, "due": "2026-12-01", "done": False,
    "created_at": "2026-11-25T00:00:00Z", "updated_at": "2026-11-25T00:00:00Z", "version": 3,
}  # fmt: skip


def run(world: CliWorld, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), obj=world.deps)


def test_list_shows_a_table_and_sends_the_raw_id_token(world: CliWorld, stub_api: StubApi) -> None:
    world.sign_in()
    stub_api.routes[("GET", "/todos")] = (200, {}, {"items": [TODO], "next": None})
    result = run(world, "list")
    assert result.exit_code == 0, result.output
    assert "Buy milk" in result.stdout and "2026-12-01" in result.stdout
    assert stub_api.seen[0]["headers"]["Authorization"] == "id-0"  # no "Bearer": Cognito authorizer
    assert stub_api.seen[0]["query"] == "limit=20"


def test_validation_error_is_one_line_with_the_field_and_no_traceback(
    world: CliWorld, stub_api: StubApi
) -> None:
    world.sign_in()
    body = {"error": "ValidationError", "message": "title is empty", "details": {"field": "title"}}
    stub_api.routes[("POST", "/todos")] = (400, {}, body)
    result = run(world, "add", " ")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: ValidationError: title is empty (field: title)"
    assert "Traceback" not in result.output
    assert stub_api.seen[0]["headers"]["Idempotency-Key"]


def test_edit_sends_if_match_and_a_conflict_shows_the_current_version(
    world: CliWorld, stub_api: StubApi
) -> None:
    world.sign_in()
    newer = {**TODO, "title": "Buy oat milk", "version": 4}
    gets = iter([(200, {"ETag": '"3"'}, TODO), (200, {"ETag": '"4"'}, newer)])
    stub_api.routes[("GET", "/todos/t1")] = lambda _: next(gets)
    stub_api.routes[("PATCH", "/todos/t1")] = (
        412, {}, {"error": "PreconditionFailed", "message": "version 3 is not current"},
    )  # fmt: skip
    result = run(world, "edit", "t1", "--title", "Buy soy milk")
    assert result.exit_code == 1
    patch = stub_api.seen[1]
    assert patch["headers"]["If-Match"] == '"3"'
    assert patch["body"] == {"title": "Buy soy milk"}
    assert "changed elsewhere" in result.stderr
    assert "Buy oat milk" in result.stderr and "v4" in result.stderr


def test_a_401_refreshes_the_token_once_and_retries(world: CliWorld, stub_api: StubApi) -> None:
    world.sign_in()
    stub_api.routes[("DELETE", "/todos/t1")] = lambda req: (
        (204, {}, None) if req["headers"]["Authorization"] == "id-1"
        else (401, {}, {"message": "Unauthorized"})
    )  # fmt: skip
    result = run(world, "rm", "t1")
    assert result.exit_code == 0, result.output
    assert [r["headers"]["Authorization"] for r in stub_api.seen] == ["id-0", "id-1"]
    assert world.cognito.refreshes == 1


def test_expired_session_that_cannot_refresh_asks_to_log_in(world: CliWorld) -> None:
    world.sign_in(expires_in=-1)
    world.cognito.refresh_fails = True
    result = run(world, "list")
    assert result.exit_code == 1
    assert "run `stratus todo login me@example.com`" in result.stderr
    assert "Traceback" not in result.output


def test_unreachable_api_is_one_clear_line(world: CliWorld, stub_api: StubApi) -> None:
    world.sign_in()
    settings = world.deps.settings()
    world.deps.settings = lambda: type(settings)(
        **{**settings.__dict__, "api_url": "http://127.0.0.1:9/"}
    )
    result = run(world, "files")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach http://127.0.0.1:9/files")
    assert len(result.stderr.strip().splitlines()) == 1


def test_login_then_logout_round_trip(world: CliWorld) -> None:
    assert run(world, "login", "me@example.com", "--password", "wrong").exit_code == 1
    assert run(world, "login", "me@example.com", "--password", "Passw0rd!").exit_code == 0
    assert world.store.load() is not None
    result = run(world, "logout")
    assert result.exit_code == 0 and world.store.load() is None
