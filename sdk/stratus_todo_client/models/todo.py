from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Todo")


@_attrs_define
class Todo:
    """
    Attributes:
        created_at (str):
        id (str):
        title (str):
        updated_at (str):
        version (int):
        done (bool | Unset):  Default: False.
        due (None | str | Unset):
        notes (None | str | Unset):
    """

    created_at: str
    id: str
    title: str
    updated_at: str
    version: int
    done: bool | Unset = False
    due: None | str | Unset = UNSET
    notes: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        title = self.title

        updated_at = self.updated_at

        version = self.version

        done = self.done

        due: None | str | Unset
        if isinstance(self.due, Unset):
            due = UNSET
        else:
            due = self.due

        notes: None | str | Unset
        if isinstance(self.notes, Unset):
            notes = UNSET
        else:
            notes = self.notes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "title": title,
                "updated_at": updated_at,
                "version": version,
            }
        )
        if done is not UNSET:
            field_dict["done"] = done
        if due is not UNSET:
            field_dict["due"] = due
        if notes is not UNSET:
            field_dict["notes"] = notes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        id = d.pop("id")

        title = d.pop("title")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        done = d.pop("done", UNSET)

        def _parse_due(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        due = _parse_due(d.pop("due", UNSET))

        def _parse_notes(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notes = _parse_notes(d.pop("notes", UNSET))

        todo = cls(
            created_at=created_at,
            id=id,
            title=title,
            updated_at=updated_at,
            version=version,
            done=done,
            due=due,
            notes=notes,
        )

        todo.additional_properties = d
        return todo

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
