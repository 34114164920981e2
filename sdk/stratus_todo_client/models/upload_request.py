from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UploadRequest")


@_attrs_define
class UploadRequest:
    """
    Attributes:
        content_type (str):
        name (str):
        size (int):
    """

    content_type: str
    name: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        name = self.name

        size = self.size

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "content_type": content_type,
                "name": name,
                "size": size,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        content_type = d.pop("content_type")

        name = d.pop("name")

        size = d.pop("size")

        upload_request = cls(
            content_type=content_type,
            name=name,
            size=size,
        )

        return upload_request
