from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.price_quote_prices import PriceQuotePrices


T = TypeVar("T", bound="PriceQuote")


@_attrs_define
class PriceQuote:
    """Current prices of the requested products.

    Attributes:
        missing (list[str]): requested ids that are not in the catalog
        prices (PriceQuotePrices): product id -> decimal price string
    """

    missing: list[str]
    prices: PriceQuotePrices
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        missing = self.missing

        prices = self.prices.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "missing": missing,
                "prices": prices,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.price_quote_prices import PriceQuotePrices  # noqa: PLC0415

        d = dict(src_dict)
        missing = cast(list[str], d.pop("missing"))

        prices = PriceQuotePrices.from_dict(d.pop("prices"))

        price_quote = cls(
            missing=missing,
            prices=prices,
        )

        price_quote.additional_properties = d
        return price_quote

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
