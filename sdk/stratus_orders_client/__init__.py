"""A client library for accessing stratus-orders"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)

__version__ = "1.0.0+67e37caadca1"
