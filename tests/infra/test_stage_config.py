"""Stage settings derived from CDK context."""

from __future__ import annotations

import pytest

from stratus.infra.shared.stage import StageConfigError, stage_config
from stratus.infra.todo.stage import todo_stage_config


def test_default_stage_is_dev_without_dax_or_deletion_protection() -> None:
    cfg = stage_config({})
    assert cfg.name == "dev"
    assert cfg.dax_enabled is False
    assert cfg.deletion_protection is False
    assert cfg.stack_prefix == "Stratus-dev"


def test_prod_retains_data_and_runs_a_three_node_dax_cluster() -> None:
    from aws_cdk import RemovalPolicy

    cfg = stage_config({"stage": "prod"})
    assert cfg.dax_enabled and cfg.dax_nodes == 3
    assert cfg.deletion_protection
    assert cfg.removal_policy == RemovalPolicy.RETAIN


@pytest.mark.parametrize(("stage", "dax", "expected"), [
    ("prod", "false", False),
    ("dev", "true", True),
    ("local", None, True),
    ("test", None, False),
    ("test", True, True),
])  # fmt: skip
def test_dax_context_switch_overrides_the_stage_default(
    stage: str, dax: object, expected: bool
) -> None:
    assert stage_config({"stage": stage, "dax": dax}).dax_enabled is expected


@pytest.mark.parametrize("name", ["feature-x", "my-stage-2", "a" * 20])
def test_a_feature_branch_name_with_hyphens_is_a_stage(name: str) -> None:
    assert stage_config({"stage": name}).stack_prefix == f"Stratus-{name}"


def test_any_other_stage_name_gets_dev_like_defaults() -> None:
    cfg = stage_config({"stage": "feature42"})
    assert cfg.stack_prefix == "Stratus-feature42"
    assert cfg.deletion_protection and not cfg.dax_enabled


@pytest.mark.parametrize(
    "name", ["Prod", "my_stage", "1dev", "a" * 21, "dev prod", "feature-", "a--b", "-x"]
)
def test_invalid_stage_name_is_rejected_with_a_clear_error(name: str) -> None:
    with pytest.raises(StageConfigError, match="stage"):
        stage_config({"stage": name})


def test_bad_dax_flag_names_itself() -> None:
    with pytest.raises(StageConfigError, match="dax"):
        stage_config({"dax": "maybe"})


def test_callback_urls_accept_comma_lists_and_json_and_feed_cors_origins() -> None:
    cfg = todo_stage_config({"callbackUrls": "https://app.example.com/cb,myapp://callback"})
    assert cfg.callback_urls == ("https://app.example.com/cb", "myapp://callback")
    assert cfg.cors_origins == ("https://127.0.0.1:4443", "https://app.example.com")
    cfg = todo_stage_config({"logoutUrls": '["https://x.example.com/bye"]'})
    assert cfg.logout_urls == ("https://x.example.com/bye",)


def test_default_callbacks_are_the_local_web_app_and_the_mobile_scheme() -> None:
    cfg = todo_stage_config({})
    assert cfg.callback_urls == (
        "https://127.0.0.1:4443/apps/todo/",
        "myapp://callback",
        "http://localhost:8976/callback",  # `stratus todo login --browser`
    )
    assert cfg.logout_urls == ("https://127.0.0.1:4443/apps/todo/", "myapp://callback")
    assert cfg.cors_origins == ("https://127.0.0.1:4443",)


def test_invalid_domain_prefix_is_rejected() -> None:
    with pytest.raises(StageConfigError, match="domainPrefix"):
        todo_stage_config({"domainPrefix": "Not_Valid"})


def test_todo_settings_extend_the_shared_stage_settings() -> None:
    base = stage_config({"stage": "prod"})
    cfg = todo_stage_config({"stage": "ignored-when-base-given"}, base=base)
    assert cfg.name == "prod" and cfg.dax_nodes == 3 and cfg.is_prod
    assert not hasattr(base, "callback_urls")


def test_blog_edge_settings_rate_limit_and_domain() -> None:
    from stratus.infra.blog.stage import blog_stage_config
    from stratus.infra.shared.stage import StageConfigError

    assert blog_stage_config({"stage": "dev"}).waf_rate_limit == 1000
    assert blog_stage_config({"stage": "local"}).waf_rate_limit == 100_000
    assert blog_stage_config({"stage": "dev", "blogWafRateLimit": "10"}).waf_rate_limit == 10
    with pytest.raises(StageConfigError, match="blogWafRateLimit"):
        blog_stage_config({"stage": "dev", "blogWafRateLimit": "5"})
    with pytest.raises(StageConfigError, match="go together"):
        blog_stage_config({"stage": "dev", "blogDomain": "myblog.example"})
    cfg = blog_stage_config(
        {"stage": "prod", "blogDomain": "MyBlog.example.", "blogHostedZoneId": "Z1"}
    )
    assert (cfg.domain, cfg.hosted_zone_name, cfg.site_url) == (
        "myblog.example", "myblog.example", "https://myblog.example",
    )  # fmt: skip
    # The site's domain is the mail domain unless blogMailDomain names another.
    assert (cfg.mail_domain, cfg.mail_from) == ("myblog.example", "newsletter@myblog.example")
    other = blog_stage_config({"stage": "prod", "blogDomain": "myblog.example",
                               "blogHostedZoneId": "Z1",
                               "blogMailDomain": "news.example"})  # fmt: skip
    assert (other.mail_domain, other.mail_from) == ("news.example", "newsletter@news.example")
    assert blog_stage_config({"stage": "dev"}).mail_domain is None
