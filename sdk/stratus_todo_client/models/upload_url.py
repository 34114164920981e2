from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.upload_url_fields import UploadUrlFields


T = TypeVar("T", bound="UploadUrl")


@_attrs_define
class UploadUrl:
    """
    Attributes:
        expires_at (str):
        fields (UploadUrlFields):
        key (str):
        url (str):
        method (Literal['POST'] | Unset):  Default: 'POST'.
    """

    expires_at: str
    fields: UploadUrlFields
    key: str
    url: str
    method: Literal["POST"] | Unset = "POST"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at

        fields = self.fields.to_dict()

        key = self.key

        url = self.url

        method = self.method

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "fields": fields,
                "key": key,
                "url": url,
            }
        )
        if method is not UNSET:
            field_dict["method"] = method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.upload_url_fields import UploadUrlFields  # noqa: PLC0415

        d = dict(src_dict)
        expires_at = d.pop("expires_at")

        fields = UploadUrlFields.from_dict(d.pop("fields"))

        key = d.pop("key")

        url = d.pop("url")

        method = cast(Literal["POST"] | Unset, d.pop("method", UNSET))
        if method != "POST" and not isinstance(method, Unset):
            raise ValueError(f"method must match const 'POST', got '{method}'")

        upload_url = cls(
            expires_at=expires_at,
            fields=fields,
            key=key,
            url=url,
            method=method,
        )

        upload_url.additional_properties = d
        return upload_url

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
