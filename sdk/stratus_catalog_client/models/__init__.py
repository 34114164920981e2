"""Contains all the data models used in inputs/outputs"""

from .error_body import ErrorBody
from .error_body_details_type_0 import ErrorBodyDetailsType0
from .error_schema import ErrorSchema
from .price_quote import PriceQuote
from .price_quote_prices import PriceQuotePrices
from .product_list_v1 import ProductListV1
from .product_page_v2 import ProductPageV2
from .product_v1 import ProductV1
from .product_v2 import ProductV2

__all__ = (
    "ErrorBody",
    "ErrorBodyDetailsType0",
    "ErrorSchema",
    "PriceQuote",
    "PriceQuotePrices",
    "ProductListV1",
    "ProductPageV2",
    "ProductV1",
    "ProductV2",
)
