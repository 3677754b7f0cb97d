from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transaction_response_type import TransactionResponseType

if TYPE_CHECKING:
    from ..models.receipt import Receipt
    from ..models.transaction_response_metadata_type_0 import TransactionResponseMetadataType0


T = TypeVar("T", bound="TransactionResponse")


@_attrs_define
class TransactionResponse:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        balance (str): The balance right after this transaction.
        counterparty (str): The system account the money came from or went to.
        created_at (str):
        currency (str):
        description (None | str):
        idempotent_key (str):
        metadata (None | TransactionResponseMetadataType0):
        receipts (list[Receipt]): The ledger entries this movement wrote: each one's account, sequence and hash in its
            chain.
        transaction_id (str):
        type_ (TransactionResponseType):
        user_id (str):
    """

    amount: str
    balance: str
    counterparty: str
    created_at: str
    currency: str
    description: None | str
    idempotent_key: str
    metadata: None | TransactionResponseMetadataType0
    receipts: list[Receipt]
    transaction_id: str
    type_: TransactionResponseType
    user_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.transaction_response_metadata_type_0 import TransactionResponseMetadataType0  # noqa: PLC0415

        amount = self.amount

        balance = self.balance

        counterparty = self.counterparty

        created_at = self.created_at

        currency = self.currency

        description: None | str
        description = self.description

        idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, TransactionResponseMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        receipts = []
        for receipts_item_data in self.receipts:
            receipts_item = receipts_item_data.to_dict()
            receipts.append(receipts_item)

        transaction_id = self.transaction_id

        type_ = self.type_.value

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "balance": balance,
                "counterparty": counterparty,
                "createdAt": created_at,
                "currency": currency,
                "description": description,
                "idempotentKey": idempotent_key,
                "metadata": metadata,
                "receipts": receipts,
                "transactionId": transaction_id,
                "type": type_,
                "userId": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.receipt import Receipt  # noqa: PLC0415
        from ..models.transaction_response_metadata_type_0 import TransactionResponseMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        balance = d.pop("balance")

        counterparty = d.pop("counterparty")

        created_at = d.pop("createdAt")

        currency = d.pop("currency")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        idempotent_key = d.pop("idempotentKey")

        def _parse_metadata(data: object) -> None | TransactionResponseMetadataType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = TransactionResponseMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransactionResponseMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata"))

        receipts = []
        _receipts = d.pop("receipts")
        for receipts_item_data in _receipts:
            receipts_item = Receipt.from_dict(receipts_item_data)

            receipts.append(receipts_item)

        transaction_id = d.pop("transactionId")

        type_ = TransactionResponseType(d.pop("type"))

        user_id = d.pop("userId")

        transaction_response = cls(
            amount=amount,
            balance=balance,
            counterparty=counterparty,
            created_at=created_at,
            currency=currency,
            description=description,
            idempotent_key=idempotent_key,
            metadata=metadata,
            receipts=receipts,
            transaction_id=transaction_id,
            type_=type_,
            user_id=user_id,
        )

        transaction_response.additional_properties = d
        return transaction_response

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
