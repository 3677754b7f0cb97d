from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.history_item_type import HistoryItemType

if TYPE_CHECKING:
    from ..models.history_item_metadata_type_0 import HistoryItemMetadataType0


T = TypeVar("T", bound="HistoryItem")


@_attrs_define
class HistoryItem:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        balance_after (str): The balance immediately after this entry.
        counterparty (str): The system account, or for a transfer the other user.
        created_at (str):
        currency (str):
        description (None | str):
        hash_ (None | str): SHA-256 of this entry's fields and previousHash (docs/verifying.md); null only on entries
            written before the chain.
        hold_id (None | str): For a hold capture's entry: the hold.
        idempotent_key (str):
        metadata (HistoryItemMetadataType0 | None):
        previous_hash (None | str): The previous entry's hash (64 zeros for the first entry).
        reversal_of (None | str): For a reversal's entry: the movement it reverses.
        sequence (int): 1, 2, 3... per account and asset, no gaps.
        transaction_id (str):
        transfer_id (None | str): For transfer_out and transfer_in: the transfer.
        type_ (HistoryItemType):
        user_id (str):
    """

    amount: str
    balance_after: str
    counterparty: str
    created_at: str
    currency: str
    description: None | str
    hash_: None | str
    hold_id: None | str
    idempotent_key: str
    metadata: HistoryItemMetadataType0 | None
    previous_hash: None | str
    reversal_of: None | str
    sequence: int
    transaction_id: str
    transfer_id: None | str
    type_: HistoryItemType
    user_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.history_item_metadata_type_0 import HistoryItemMetadataType0  # noqa: PLC0415

        amount = self.amount

        balance_after = self.balance_after

        counterparty = self.counterparty

        created_at = self.created_at

        currency = self.currency

        description: None | str
        description = self.description

        hash_: None | str
        hash_ = self.hash_

        hold_id: None | str
        hold_id = self.hold_id

        idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, HistoryItemMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        previous_hash: None | str
        previous_hash = self.previous_hash

        reversal_of: None | str
        reversal_of = self.reversal_of

        sequence = self.sequence

        transaction_id = self.transaction_id

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
                "createdAt": created_at,
                "currency": currency,
                "description": description,
                "hash": hash_,
                "holdId": hold_id,
                "idempotentKey": idempotent_key,
                "metadata": metadata,
                "previousHash": previous_hash,
                "reversalOf": reversal_of,
                "sequence": sequence,
                "transactionId": transaction_id,
                "transferId": transfer_id,
                "type": type_,
                "userId": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.history_item_metadata_type_0 import HistoryItemMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        balance_after = d.pop("balanceAfter")

        counterparty = d.pop("counterparty")

        created_at = d.pop("createdAt")

        currency = d.pop("currency")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        def _parse_hash_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        hash_ = _parse_hash_(d.pop("hash"))

        def _parse_hold_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        hold_id = _parse_hold_id(d.pop("holdId"))

        idempotent_key = d.pop("idempotentKey")

        def _parse_metadata(data: object) -> HistoryItemMetadataType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = HistoryItemMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HistoryItemMetadataType0 | None, data)

        metadata = _parse_metadata(d.pop("metadata"))

        def _parse_previous_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        previous_hash = _parse_previous_hash(d.pop("previousHash"))

        def _parse_reversal_of(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reversal_of = _parse_reversal_of(d.pop("reversalOf"))

        sequence = d.pop("sequence")

        transaction_id = d.pop("transactionId")

        def _parse_transfer_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        transfer_id = _parse_transfer_id(d.pop("transferId"))

        type_ = HistoryItemType(d.pop("type"))

        user_id = d.pop("userId")

        history_item = cls(
            amount=amount,
            balance_after=balance_after,
            counterparty=counterparty,
            created_at=created_at,
            currency=currency,
            description=description,
            hash_=hash_,
            hold_id=hold_id,
            idempotent_key=idempotent_key,
            metadata=metadata,
            previous_hash=previous_hash,
            reversal_of=reversal_of,
            sequence=sequence,
            transaction_id=transaction_id,
            transfer_id=transfer_id,
            type_=type_,
            user_id=user_id,
        )

        history_item.additional_properties = d
        return history_item

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
