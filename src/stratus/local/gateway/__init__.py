"""API Gateway (REST APIs) for the local cloud: see `app.build_gateway_app`."""

from stratus.local.gateway.app import GatewayApp, build_gateway_app
from stratus.local.gateway.limits import GatewayStats

__all__ = ["GatewayApp", "GatewayStats", "build_gateway_app"]
