from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ProductV2")


@_attrs_define
class ProductV2:
    """A product as v2 shows it: v1's fields plus currency and tags.

    Attributes:
        currency (str): ISO 4217 code
        description (str):
        id (str):
        name (str):
        price (str): decimal string in major units, e.g. 12.50
        tags (list[str]):
    """

    currency: str
    description: str
    id: str
    name: str
    price: str
    tags: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        description = self.description

        id = self.id

        name = self.name

        price = self.price

        tags = self.tags

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "description": description,
                "id": id,
                "name": name,
                "price": price,
                "tags": tags,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        description = d.pop("description")

        id = d.pop("id")

        name = d.pop("name")

        price = d.pop("price")

        tags = cast(list[str], d.pop("tags"))

        product_v2 = cls(
            currency=currency,
            description=description,
            id=id,
            name=name,
            price=price,
            tags=tags,
        )

        product_v2.additional_properties = d
        return product_v2

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
