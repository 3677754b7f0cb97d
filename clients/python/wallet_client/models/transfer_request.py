from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.transfer_request_currency import TransferRequestCurrency
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transfer_request_metadata_type_0 import TransferRequestMetadataType0


T = TypeVar("T", bound="TransferRequest")


@_attrs_define
class TransferRequest:
    """
    Attributes:
        amount (float | str): Positive, with at most as many decimal places as the asset's scale (USD 2, GOLD 0), at
            most 1000000000 whole units. A string is preferred; a JSON number is accepted (no exponent form).
        from_user_id (str):
        to_user_id (str):
        currency (TransferRequestCurrency | Unset): A configured asset code (default USD) Default:
            TransferRequestCurrency.USD.
        description (None | str | Unset):
        idempotent_key (None | str | Unset): Required here or in the Idempotency-Key header; if both, they must match.
        metadata (None | TransferRequestMetadataType0 | Unset):
    """

    amount: float | str
    from_user_id: str
    to_user_id: str
    currency: TransferRequestCurrency | Unset = TransferRequestCurrency.USD
    description: None | str | Unset = UNSET
    idempotent_key: None | str | Unset = UNSET
    metadata: None | TransferRequestMetadataType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.transfer_request_metadata_type_0 import TransferRequestMetadataType0  # noqa: PLC0415

        amount: float | str
        amount = self.amount

        from_user_id = self.from_user_id

        to_user_id = self.to_user_id

        currency: str | Unset = UNSET
        if not isinstance(self.currency, Unset):
            currency = self.currency.value

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        idempotent_key: None | str | Unset
        if isinstance(self.idempotent_key, Unset):
            idempotent_key = UNSET
        else:
            idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, TransferRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "fromUserId": from_user_id,
                "toUserId": to_user_id,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency
        if description is not UNSET:
            field_dict["description"] = description
        if idempotent_key is not UNSET:
            field_dict["idempotentKey"] = idempotent_key
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transfer_request_metadata_type_0 import TransferRequestMetadataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_amount(data: object) -> float | str:
            return cast(float | str, data)

        amount = _parse_amount(d.pop("amount"))

        from_user_id = d.pop("fromUserId")

        to_user_id = d.pop("toUserId")

        _currency = d.pop("currency", UNSET)
        currency: TransferRequestCurrency | Unset
        if isinstance(_currency, Unset):
            currency = UNSET
        else:
            currency = TransferRequestCurrency(_currency)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_idempotent_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotent_key = _parse_idempotent_key(d.pop("idempotentKey", UNSET))

        def _parse_metadata(data: object) -> None | TransferRequestMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = TransferRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransferRequestMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        transfer_request = cls(
            amount=amount,
            from_user_id=from_user_id,
            to_user_id=to_user_id,
            currency=currency,
            description=description,
            idempotent_key=idempotent_key,
            metadata=metadata,
        )

        return transfer_request
