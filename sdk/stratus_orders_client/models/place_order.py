from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.place_order_item_request import PlaceOrderItemRequest


T = TypeVar("T", bound="PlaceOrder")


@_attrs_define
class PlaceOrder:
    """Body of `POST /orders`.

    Attributes:
        items (list[PlaceOrderItemRequest]):
    """

    items: list[PlaceOrderItemRequest]

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.place_order_item_request import PlaceOrderItemRequest  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PlaceOrderItemRequest.from_dict(items_item_data)

            items.append(items_item)

        place_order = cls(
            items=items,
        )

        return place_order
