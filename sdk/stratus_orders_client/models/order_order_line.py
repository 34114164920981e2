from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OrderOrderLine")


@_attrs_define
class OrderOrderLine:
    """
    Attributes:
        line_total (str):
        product_id (str):
        quantity (int):
        unit_price (str):
    """

    line_total: str
    product_id: str
    quantity: int
    unit_price: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        line_total = self.line_total

        product_id = self.product_id

        quantity = self.quantity

        unit_price = self.unit_price

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "line_total": line_total,
                "product_id": product_id,
                "quantity": quantity,
                "unit_price": unit_price,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        line_total = d.pop("line_total")

        product_id = d.pop("product_id")

        quantity = d.pop("quantity")

        unit_price = d.pop("unit_price")

        order_order_line = cls(
            line_total=line_total,
            product_id=product_id,
            quantity=quantity,
            unit_price=unit_price,
        )

        order_order_line.additional_properties = d
        return order_order_line

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
