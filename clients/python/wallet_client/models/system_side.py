from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.system_side_systemaccount import SystemSideSystemaccount

T = TypeVar("T", bound="SystemSide")


@_attrs_define
class SystemSide:
    """
    Attributes:
        system_account (SystemSideSystemaccount):
    """

    system_account: SystemSideSystemaccount

    def to_dict(self) -> dict[str, Any]:
        system_account = self.system_account.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "systemAccount": system_account,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        system_account = SystemSideSystemaccount(d.pop("systemAccount"))

        system_side = cls(
            system_account=system_account,
        )

        return system_side
