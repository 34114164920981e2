"""The local cloud's DAX endpoint: DynamoDB protocol with DAX's caching semantics.

Handlers talk to it with a plain boto3 DynamoDB client (endpoint_url = the DAX endpoint);
on AWS they use amazondax against the real cluster, so the same read path is exercised.
"""

from stratus.local.dax.deployment import dax_settings_from_deployment
from stratus.local.dax.endpoint import DaxEndpoint, build_dax_app
from stratus.local.dax.engine import DaxStats

__all__ = ["DaxEndpoint", "DaxStats", "build_dax_app", "dax_settings_from_deployment"]
