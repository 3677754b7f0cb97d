from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.transaction_request_counterparty_type_0 import TransactionRequestCounterpartyType0
from ..models.transaction_request_currency import TransactionRequestCurrency
from ..models.transaction_request_type import TransactionRequestType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transaction_request_metadata_type_0 import TransactionRequestMetadataType0


T = TypeVar("T", bound="TransactionRequest")


@_attrs_define
class TransactionRequest:
    """
    Attributes:
        amount (float | str): Positive, with at most as many decimal places as the asset's scale (USD 2, GOLD 0), at
            most 1000000000 whole units. A string is preferred; a JSON number is accepted (no exponent form).
        type_ (TransactionRequestType):
        user_id (str):
        counterparty (None | TransactionRequestCounterpartyType0 | Unset): The system account on the other side
            (default: treasury for a credit, revenue for a debit).
        currency (TransactionRequestCurrency | Unset): A configured asset code (default USD) Default:
            TransactionRequestCurrency.USD.
        description (None | str | Unset):
        idempotent_key (None | str | Unset): Required here or in the Idempotency-Key header; if both, they must match.
        metadata (None | TransactionRequestMetadataType0 | Unset):
    """

    amount: float | str
    type_: TransactionRequestType
    user_id: str
    counterparty: None | TransactionRequestCounterpartyType0 | Unset = UNSET
    currency: TransactionRequestCurrency | Unset = TransactionRequestCurrency.USD
    description: None | str | Unset = UNSET
    idempotent_key: None | str | Unset = UNSET
    metadata: None | TransactionRequestMetadataType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.transaction_request_metadata_type_0 import TransactionRequestMetadataType0  # noqa: PLC0415

        amount: float | str
        amount = self.amount

        type_ = self.type_.value

        user_id = self.user_id

        counterparty: None | str | Unset
        if isinstance(self.counterparty, Unset):
            counterparty = UNSET
        elif isinstance(self.counterparty, TransactionRequestCounterpartyType0):
            counterparty = self.counterparty.value
        else:
            counterparty = self.counterparty

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
        elif isinstance(self.metadata, TransactionRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "type": type_,
                "userId": user_id,
            }
        )
        if counterparty is not UNSET:
            field_dict["counterparty"] = counterparty
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
        from ..models.transaction_request_metadata_type_0 import TransactionRequestMetadataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_amount(data: object) -> float | str:
            return cast(float | str, data)

        amount = _parse_amount(d.pop("amount"))

        type_ = TransactionRequestType(d.pop("type"))

        user_id = d.pop("userId")

        def _parse_counterparty(data: object) -> None | TransactionRequestCounterpartyType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                counterparty_type_0 = TransactionRequestCounterpartyType0(data)

                return counterparty_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransactionRequestCounterpartyType0 | Unset, data)

        counterparty = _parse_counterparty(d.pop("counterparty", UNSET))

        _currency = d.pop("currency", UNSET)
        currency: TransactionRequestCurrency | Unset
        if isinstance(_currency, Unset):
            currency = UNSET
        else:
            currency = TransactionRequestCurrency(_currency)

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

        def _parse_metadata(data: object) -> None | TransactionRequestMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = TransactionRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransactionRequestMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        transaction_request = cls(
            amount=amount,
            type_=type_,
            user_id=user_id,
            counterparty=counterparty,
            currency=currency,
            description=description,
            idempotent_key=idempotent_key,
            metadata=metadata,
        )

        return transaction_request
