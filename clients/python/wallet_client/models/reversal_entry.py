from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reversal_entry_type import ReversalEntryType

T = TypeVar("T", bound="ReversalEntry")


@_attrs_define
class ReversalEntry:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        balance_after (str): Exactly the asset's scale in decimal places
        counterparty (str):
        transfer_id (None | str):
        type_ (ReversalEntryType):
        user_id (str):
    """

    amount: str
    balance_after: str
    counterparty: str
    transfer_id: None | str
    type_: ReversalEntryType
    user_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        balance_after = self.balance_after

        counterparty = self.counterparty

        transfer_id: None | str
        transfer_id = self.transfer_id

        type_ = self.type_.value

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "balanceAfter": balance_after,
                "counterparty": counterparty,
                "transferId": transfer_id,
                "type": type_,
                "userId": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        balance_after = d.pop("balanceAfter")

        counterparty = d.pop("counterparty")

        def _parse_transfer_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        transfer_id = _parse_transfer_id(d.pop("transferId"))

        type_ = ReversalEntryType(d.pop("type"))

        user_id = d.pop("userId")

        reversal_entry = cls(
            amount=amount,
            balance_after=balance_after,
            counterparty=counterparty,
            transfer_id=transfer_id,
            type_=type_,
            user_id=user_id,
        )

        reversal_entry.additional_properties = d
        return reversal_entry

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
