"""A client library for accessing stratus-catalog"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)

__version__ = "2.0.0+774f1c56a740"
