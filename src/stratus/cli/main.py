"""Entry point of the `stratus` command."""

from __future__ import annotations

import typer

from stratus.cli import events as events_commands
from stratus.cli import new_service as new_service_commands
from stratus.cli import pipeline as pipeline_commands
from stratus.cli import sdk as sdk_commands
from stratus.cli import trust as trust_commands
from stratus.cli import up as up_commands
from stratus.cost import cli as cost_commands
from stratus.cost.local_cli import with_from_local

app = typer.Typer(
    name="stratus",
    help="AWS serverless reference systems: run them locally, use them, deploy them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("up")(up_commands.with_service_port_options(up_commands.up))
app.command("down")(up_commands.down)
app.command("trust")(trust_commands.trust)
app.add_typer(events_commands.app, name="events", help="EventBridge: fire a rule now.")
app.command("sdk")(sdk_commands.sdk)
app.command("new-service")(new_service_commands.new_service)
app.command("cost")(with_from_local(cost_commands.cost))  # --from-local: cost.local_cli
app.add_typer(
    pipeline_commands.app,
    name="pipeline",
    help="Run the CDK pipeline's steps locally: build, stages in local clouds, tests.",
)

try:
    from stratus.cli.todo import app as todo_app

    app.add_typer(
        todo_app, name="todo", help="Use the to-do system: sign up, log in, add, list, files."
    )
except ImportError:  # pragma: no cover - the todo client package is part of the product
    pass

try:
    from stratus.cli.blog import app as blog_app

    app.add_typer(blog_app, name="blog", help="Write and publish MyBlog posts.")
except ImportError:  # pragma: no cover - the blog client package is part of the product
    pass

if __name__ == "__main__":
    app()
