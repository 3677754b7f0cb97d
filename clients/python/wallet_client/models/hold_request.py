from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.hold_request_currency import HoldRequestCurrency
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.hold_request_metadata_type_0 import HoldRequestMetadataType0


T = TypeVar("T", bound="HoldRequest")


@_attrs_define
class HoldRequest:
    """
    Attributes:
        amount (float | str): Positive, with at most as many decimal places as the asset's scale (USD 2, GOLD 0), at
            most 1000000000 whole units. A string is preferred; a JSON number is accepted (no exponent form).
        user_id (str):
        currency (HoldRequestCurrency | Unset): A configured asset code (default USD) Default: HoldRequestCurrency.USD.
        description (None | str | Unset):
        expires_in_seconds (int | None | Unset): Default 604800 (7 days); from 60 to 2592000 (30 days).
        idempotent_key (None | str | Unset): Required here or in the Idempotency-Key header; if both, they must match.
        metadata (HoldRequestMetadataType0 | None | Unset):
    """

    amount: float | str
    user_id: str
    currency: HoldRequestCurrency | Unset = HoldRequestCurrency.USD
    description: None | str | Unset = UNSET
    expires_in_seconds: int | None | Unset = UNSET
    idempotent_key: None | str | Unset = UNSET
    metadata: HoldRequestMetadataType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.hold_request_metadata_type_0 import HoldRequestMetadataType0  # noqa: PLC0415

        amount: float | str
        amount = self.amount

        user_id = self.user_id

        currency: str | Unset = UNSET
        if not isinstance(self.currency, Unset):
            currency = self.currency.value

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        expires_in_seconds: int | None | Unset
        if isinstance(self.expires_in_seconds, Unset):
            expires_in_seconds = UNSET
        else:
            expires_in_seconds = self.expires_in_seconds

        idempotent_key: None | str | Unset
        if isinstance(self.idempotent_key, Unset):
            idempotent_key = UNSET
        else:
            idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, HoldRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "userId": user_id,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency
        if description is not UNSET:
            field_dict["description"] = description
        if expires_in_seconds is not UNSET:
            field_dict["expiresInSeconds"] = expires_in_seconds
        if idempotent_key is not UNSET:
            field_dict["idempotentKey"] = idempotent_key
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.hold_request_metadata_type_0 import HoldRequestMetadataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_amount(data: object) -> float | str:
            return cast(float | str, data)

        amount = _parse_amount(d.pop("amount"))

        user_id = d.pop("userId")

        _currency = d.pop("currency", UNSET)
        currency: HoldRequestCurrency | Unset
        if isinstance(_currency, Unset):
            currency = UNSET
        else:
            currency = HoldRequestCurrency(_currency)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_expires_in_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in_seconds = _parse_expires_in_seconds(d.pop("expiresInSeconds", UNSET))

        def _parse_idempotent_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotent_key = _parse_idempotent_key(d.pop("idempotentKey", UNSET))

        def _parse_metadata(data: object) -> HoldRequestMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = HoldRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HoldRequestMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        hold_request = cls(
            amount=amount,
            user_id=user_id,
            currency=currency,
            description=description,
            expires_in_seconds=expires_in_seconds,
            idempotent_key=idempotent_key,
            metadata=metadata,
        )

        return hold_request
