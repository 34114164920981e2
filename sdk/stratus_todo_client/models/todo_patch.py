from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TodoPatch")


@_attrs_define
class TodoPatch:
    """Body of `PATCH /todos/{id}`: any subset; `notes`/`due` may be null to clear them.

    Attributes:
        done (bool | None | Unset):
        due (None | str | Unset):
        notes (None | str | Unset):
        title (None | str | Unset):
    """

    done: bool | None | Unset = UNSET
    due: None | str | Unset = UNSET
    notes: None | str | Unset = UNSET
    title: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        done: bool | None | Unset
        if isinstance(self.done, Unset):
            done = UNSET
        else:
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

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if done is not UNSET:
            field_dict["done"] = done
        if due is not UNSET:
            field_dict["due"] = due
        if notes is not UNSET:
            field_dict["notes"] = notes
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_done(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        done = _parse_done(d.pop("done", UNSET))

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

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        todo_patch = cls(
            done=done,
            due=due,
            notes=notes,
            title=title,
        )

        return todo_patch
