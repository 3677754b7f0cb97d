from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.hold_response_status import HoldResponseStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.hold_response_metadata_type_0 import HoldResponseMetadataType0
    from ..models.receipt import Receipt


T = TypeVar("T", bound="HoldResponse")


@_attrs_define
class HoldResponse:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        available (None | str): The account's available balance right after the hold was placed.
        captured_amount (None | str): For a captured hold: the amount moved.
        captured_to (None | str): For a captured hold: the system account or user paid.
        created_at (str):
        currency (str):
        description (None | str):
        ended_at (None | str):
        expires_at (str):
        hold_id (str):
        metadata (HoldResponseMetadataType0 | None):
        status (HoldResponseStatus):
        transaction_id (None | str): For a captured hold: the capture's movement (reversible).
        user_id (str):
        receipts (list[Receipt] | Unset): The ledger entries this movement wrote: each one's account, sequence and hash
            in its chain. (a capture's answer; empty otherwise)
    """

    amount: str
    available: None | str
    captured_amount: None | str
    captured_to: None | str
    created_at: str
    currency: str
    description: None | str
    ended_at: None | str
    expires_at: str
    hold_id: str
    metadata: HoldResponseMetadataType0 | None
    status: HoldResponseStatus
    transaction_id: None | str
    user_id: str
    receipts: list[Receipt] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.hold_response_metadata_type_0 import HoldResponseMetadataType0  # noqa: PLC0415

        amount = self.amount

        available: None | str
        available = self.available

        captured_amount: None | str
        captured_amount = self.captured_amount

        captured_to: None | str
        captured_to = self.captured_to

        created_at = self.created_at

        currency = self.currency

        description: None | str
        description = self.description

        ended_at: None | str
        ended_at = self.ended_at

        expires_at = self.expires_at

        hold_id = self.hold_id

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, HoldResponseMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        status = self.status.value

        transaction_id: None | str
        transaction_id = self.transaction_id

        user_id = self.user_id

        receipts: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.receipts, Unset):
            receipts = []
            for receipts_item_data in self.receipts:
                receipts_item = receipts_item_data.to_dict()
                receipts.append(receipts_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "available": available,
                "capturedAmount": captured_amount,
                "capturedTo": captured_to,
                "createdAt": created_at,
                "currency": currency,
                "description": description,
                "endedAt": ended_at,
                "expiresAt": expires_at,
                "holdId": hold_id,
                "metadata": metadata,
                "status": status,
                "transactionId": transaction_id,
                "userId": user_id,
            }
        )
        if receipts is not UNSET:
            field_dict["receipts"] = receipts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.hold_response_metadata_type_0 import HoldResponseMetadataType0  # noqa: PLC0415
        from ..models.receipt import Receipt  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        def _parse_available(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        available = _parse_available(d.pop("available"))

        def _parse_captured_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        captured_amount = _parse_captured_amount(d.pop("capturedAmount"))

        def _parse_captured_to(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        captured_to = _parse_captured_to(d.pop("capturedTo"))

        created_at = d.pop("createdAt")

        currency = d.pop("currency")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        def _parse_ended_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ended_at = _parse_ended_at(d.pop("endedAt"))

        expires_at = d.pop("expiresAt")

        hold_id = d.pop("holdId")

        def _parse_metadata(data: object) -> HoldResponseMetadataType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = HoldResponseMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HoldResponseMetadataType0 | None, data)

        metadata = _parse_metadata(d.pop("metadata"))

        status = HoldResponseStatus(d.pop("status"))

        def _parse_transaction_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        transaction_id = _parse_transaction_id(d.pop("transactionId"))

        user_id = d.pop("userId")

        _receipts = d.pop("receipts", UNSET)
        receipts: list[Receipt] | Unset = UNSET
        if _receipts is not UNSET:
            receipts = []
            for receipts_item_data in _receipts:
                receipts_item = Receipt.from_dict(receipts_item_data)

                receipts.append(receipts_item)

        hold_response = cls(
            amount=amount,
            available=available,
            captured_amount=captured_amount,
            captured_to=captured_to,
            created_at=created_at,
            currency=currency,
            description=description,
            ended_at=ended_at,
            expires_at=expires_at,
            hold_id=hold_id,
            metadata=metadata,
            status=status,
            transaction_id=transaction_id,
            user_id=user_id,
            receipts=receipts,
        )

        hold_response.additional_properties = d
        return hold_response

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
