from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="VoidRequest")


@_attrs_define
class VoidRequest:
    """
    Attributes:
        idempotent_key (None | str | Unset): Required here or in the Idempotency-Key header; if both, they must match.
    """

    idempotent_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        idempotent_key: None | str | Unset
        if isinstance(self.idempotent_key, Unset):
            idempotent_key = UNSET
        else:
            idempotent_key = self.idempotent_key

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if idempotent_key is not UNSET:
            field_dict["idempotentKey"] = idempotent_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_idempotent_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotent_key = _parse_idempotent_key(d.pop("idempotentKey", UNSET))

        void_request = cls(
            idempotent_key=idempotent_key,
        )

        return void_request
