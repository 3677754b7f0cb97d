from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.receipt import Receipt
    from ..models.transfer_response_metadata_type_0 import TransferResponseMetadataType0


T = TypeVar("T", bound="TransferResponse")


@_attrs_define
class TransferResponse:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        created_at (str):
        currency (str):
        description (None | str):
        from_balance (str): The source's balance right after the transfer.
        from_user_id (str):
        idempotent_key (str):
        metadata (None | TransferResponseMetadataType0):
        receipts (list[Receipt]): The ledger entries this movement wrote: each one's account, sequence and hash in its
            chain.
        to_balance (str): The target's balance right after the transfer.
        to_user_id (str):
        transfer_id (str):
    """

    amount: str
    created_at: str
    currency: str
    description: None | str
    from_balance: str
    from_user_id: str
    idempotent_key: str
    metadata: None | TransferResponseMetadataType0
    receipts: list[Receipt]
    to_balance: str
    to_user_id: str
    transfer_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.transfer_response_metadata_type_0 import TransferResponseMetadataType0  # noqa: PLC0415

        amount = self.amount

        created_at = self.created_at

        currency = self.currency

        description: None | str
        description = self.description

        from_balance = self.from_balance

        from_user_id = self.from_user_id

        idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, TransferResponseMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        receipts = []
        for receipts_item_data in self.receipts:
            receipts_item = receipts_item_data.to_dict()
            receipts.append(receipts_item)

        to_balance = self.to_balance

        to_user_id = self.to_user_id

        transfer_id = self.transfer_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "createdAt": created_at,
                "currency": currency,
                "description": description,
                "fromBalance": from_balance,
                "fromUserId": from_user_id,
                "idempotentKey": idempotent_key,
                "metadata": metadata,
                "receipts": receipts,
                "toBalance": to_balance,
                "toUserId": to_user_id,
                "transferId": transfer_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.receipt import Receipt  # noqa: PLC0415
        from ..models.transfer_response_metadata_type_0 import TransferResponseMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        created_at = d.pop("createdAt")

        currency = d.pop("currency")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        from_balance = d.pop("fromBalance")

        from_user_id = d.pop("fromUserId")

        idempotent_key = d.pop("idempotentKey")

        def _parse_metadata(data: object) -> None | TransferResponseMetadataType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = TransferResponseMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransferResponseMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata"))

        receipts = []
        _receipts = d.pop("receipts")
        for receipts_item_data in _receipts:
            receipts_item = Receipt.from_dict(receipts_item_data)

            receipts.append(receipts_item)

        to_balance = d.pop("toBalance")

        to_user_id = d.pop("toUserId")

        transfer_id = d.pop("transferId")

        transfer_response = cls(
            amount=amount,
            created_at=created_at,
            currency=currency,
            description=description,
            from_balance=from_balance,
            from_user_id=from_user_id,
            idempotent_key=idempotent_key,
            metadata=metadata,
            receipts=receipts,
            to_balance=to_balance,
            to_user_id=to_user_id,
            transfer_id=transfer_id,
        )

        transfer_response.additional_properties = d
        return transfer_response

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
