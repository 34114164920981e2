"""`stratus blog` against the running cloud: an author logs in, posts a Markdown file,
updates it, publishes it, and the page is on the site."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.cli.main import app
from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import PASSWORD, aws_client

pytestmark = pytest.mark.integration


def test_author_posts_updates_and_publishes_from_the_cli(
    local_cloud: LocalCloudHandle, tmp_path: Path
) -> None:
    email = unique_email("cli-author")
    idp = aws_client(local_cloud, "cognito-idp")
    client_id = local_cloud.stack_output("BlogUserPoolClientId")
    idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}])  # fmt: skip
    idp.confirm_sign_up(
        ClientId=client_id, Username=email, ConfirmationCode=local_cloud.confirmation_code(email)
    )
    idp.admin_add_user_to_group(
        UserPoolId=local_cloud.stack_output("BlogUserPoolId"), Username=email, GroupName="authors"
    )
    env = {
        "STRATUS_OUTPUTS": str(local_cloud.state_dir / "outputs.json"),
        "AWS_ENDPOINT_URL": local_cloud.aws_endpoint,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["blog", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    slug = f"cli-{secrets.token_hex(4)}"
    post = tmp_path / f"{slug}.md"
    post.write_text("---\nlang: de\ntags: cli\n---\n# Vom Terminal\n\nErste Fassung.\n")
    assert "Signed in" in run("login", email, "--password", PASSWORD)
    assert (tmp_path / "config" / "stratus" / "blog-tokens.json").stat().st_mode & 0o077 == 0
    assert "Created draft" in run("post", str(post))
    post.write_text(post.read_text().replace("Erste", "Zweite"))
    assert "Updated" in run("post", str(post), "--tags", "cli, terminal")
    assert f"Published {slug}" in run("publish", slug)

    page = aws_client(local_cloud, "s3").get_object(
        Bucket=local_cloud.stack_output("SiteBucketName"), Key=f"de/posts/{slug}/index.html"
    )
    html = page["Body"].read().decode()
    assert "Zweite Fassung" in html and "#terminal" in html and '<html lang="de">' in html

    missing = runner.invoke(app, ["blog", "publish", "no-such-post"], env=env)
    assert missing.exit_code == 1 and "404" in missing.output
