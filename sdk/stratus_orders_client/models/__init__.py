"""Contains all the data models used in inputs/outputs"""

from .error_body import ErrorBody
from .error_body_details_type_0 import ErrorBodyDetailsType0
from .order import Order
from .order_order_line import OrderOrderLine
from .order_order_status import OrderOrderStatus
from .order_page import OrderPage
from .place_order import PlaceOrder
from .place_order_item_request import PlaceOrderItemRequest

__all__ = (
    "ErrorBody",
    "ErrorBodyDetailsType0",
    "Order",
    "OrderOrderLine",
    "OrderOrderStatus",
    "OrderPage",
    "PlaceOrder",
    "PlaceOrderItemRequest",
)
