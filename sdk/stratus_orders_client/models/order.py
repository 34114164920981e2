from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.order_order_status import OrderOrderStatus

if TYPE_CHECKING:
    from ..models.order_order_line import OrderOrderLine


T = TypeVar("T", bound="Order")


@_attrs_define
class Order:
    """
    Attributes:
        created_at (str):
        id (str):
        items (list[OrderOrderLine]):
        status (OrderOrderStatus):
        total (str):
        updated_at (str):
    """

    created_at: str
    id: str
    items: list[OrderOrderLine]
    status: OrderOrderStatus
    total: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        status = self.status.value

        total = self.total

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "items": items,
                "status": status,
                "total": total,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order_order_line import OrderOrderLine  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at")

        id = d.pop("id")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = OrderOrderLine.from_dict(items_item_data)

            items.append(items_item)

        status = OrderOrderStatus(d.pop("status"))

        total = d.pop("total")

        updated_at = d.pop("updated_at")

        order = cls(
            created_at=created_at,
            id=id,
            items=items,
            status=status,
            total=total,
            updated_at=updated_at,
        )

        order.additional_properties = d
        return order

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
