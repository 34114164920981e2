"""CloudFormation's PascalCase task definitions become ECS API camelCase; user maps stay."""

from __future__ import annotations

from stratus.local.ecs.providers import camel


def test_keys_are_camel_cased_but_labels_and_log_options_are_kept() -> None:
    props = {
        "Family": "web",
        "ContainerDefinitions": [
            {
                "Name": "web",
                "PortMappings": [{"ContainerPort": 8000, "Protocol": "tcp"}],
                "Environment": [{"Name": "GREETING", "Value": "Hi"}],
                "DockerLabels": {"Team": "Payments", "com.example.Tier": "1"},
                "LogConfiguration": {
                    "LogDriver": "awslogs",
                    "Options": {"awslogs-group": "/g", "Mode": "non-blocking"},
                },
                "HealthCheck": {"Command": ["CMD", "true"], "StartPeriod": 5},
            }
        ],
    }
    body = camel(props)
    container = body["containerDefinitions"][0]
    assert body["family"] == "web"
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert container["environment"] == [{"name": "GREETING", "value": "Hi"}]
    assert container["dockerLabels"] == {"Team": "Payments", "com.example.Tier": "1"}
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/g", "Mode": "non-blocking"},
    }
    assert container["healthCheck"] == {"command": ["CMD", "true"], "startPeriod": 5}
