from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.receipt import Receipt
    from ..models.reversal_entry import ReversalEntry


T = TypeVar("T", bound="ReversalResponse")


@_attrs_define
class ReversalResponse:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        created_at (str):
        currency (str):
        description (None | str):
        entries (list[ReversalEntry]): The reversal's ledger entries (one, or two for a transfer)
        idempotent_key (str):
        receipts (list[Receipt]): The ledger entries this movement wrote: each one's account, sequence and hash in its
            chain.
        reversal_of (str): The movement it reverses
        transaction_id (str): The reversal's own movement id
    """

    amount: str
    created_at: str
    currency: str
    description: None | str
    entries: list[ReversalEntry]
    idempotent_key: str
    receipts: list[Receipt]
    reversal_of: str
    transaction_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        created_at = self.created_at

        currency = self.currency

        description: None | str
        description = self.description

        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        idempotent_key = self.idempotent_key

        receipts = []
        for receipts_item_data in self.receipts:
            receipts_item = receipts_item_data.to_dict()
            receipts.append(receipts_item)

        reversal_of = self.reversal_of

        transaction_id = self.transaction_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "createdAt": created_at,
                "currency": currency,
                "description": description,
                "entries": entries,
                "idempotentKey": idempotent_key,
                "receipts": receipts,
                "reversalOf": reversal_of,
                "transactionId": transaction_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.receipt import Receipt  # noqa: PLC0415
        from ..models.reversal_entry import ReversalEntry  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        created_at = d.pop("createdAt")

        currency = d.pop("currency")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = ReversalEntry.from_dict(entries_item_data)

            entries.append(entries_item)

        idempotent_key = d.pop("idempotentKey")

        receipts = []
        _receipts = d.pop("receipts")
        for receipts_item_data in _receipts:
            receipts_item = Receipt.from_dict(receipts_item_data)

            receipts.append(receipts_item)

        reversal_of = d.pop("reversalOf")

        transaction_id = d.pop("transactionId")

        reversal_response = cls(
            amount=amount,
            created_at=created_at,
            currency=currency,
            description=description,
            entries=entries,
            idempotent_key=idempotent_key,
            receipts=receipts,
            reversal_of=reversal_of,
            transaction_id=transaction_id,
        )

        reversal_response.additional_properties = d
        return reversal_response

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
