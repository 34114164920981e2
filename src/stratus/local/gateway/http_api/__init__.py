"""HTTP APIs (API Gateway v2), served by the local HTTPS gateway at /httpapis/{apiId}/..."""

from stratus.local.gateway.http_api.app import HttpApiApp, http_apis_for

__all__ = ["HttpApiApp", "http_apis_for"]
