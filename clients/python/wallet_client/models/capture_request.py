from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.capture_request_counterparty_type_0 import CaptureRequestCounterpartyType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="CaptureRequest")


@_attrs_define
class CaptureRequest:
    """
    Attributes:
        amount (float | None | str | Unset): Default: all of the hold; never more.
        counterparty (CaptureRequestCounterpartyType0 | None | Unset): The system account paid (default revenue).
        idempotent_key (None | str | Unset): Required here or in the Idempotency-Key header; if both, they must match.
        to_user_id (None | str | Unset): Or: the user paid, instead of a system account.
    """

    amount: float | None | str | Unset = UNSET
    counterparty: CaptureRequestCounterpartyType0 | None | Unset = UNSET
    idempotent_key: None | str | Unset = UNSET
    to_user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        amount: float | None | str | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        else:
            amount = self.amount

        counterparty: None | str | Unset
        if isinstance(self.counterparty, Unset):
            counterparty = UNSET
        elif isinstance(self.counterparty, CaptureRequestCounterpartyType0):
            counterparty = self.counterparty.value
        else:
            counterparty = self.counterparty

        idempotent_key: None | str | Unset
        if isinstance(self.idempotent_key, Unset):
            idempotent_key = UNSET
        else:
            idempotent_key = self.idempotent_key

        to_user_id: None | str | Unset
        if isinstance(self.to_user_id, Unset):
            to_user_id = UNSET
        else:
            to_user_id = self.to_user_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if amount is not UNSET:
            field_dict["amount"] = amount
        if counterparty is not UNSET:
            field_dict["counterparty"] = counterparty
        if idempotent_key is not UNSET:
            field_dict["idempotentKey"] = idempotent_key
        if to_user_id is not UNSET:
            field_dict["toUserId"] = to_user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_amount(data: object) -> float | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | str | Unset, data)

        amount = _parse_amount(d.pop("amount", UNSET))

        def _parse_counterparty(data: object) -> CaptureRequestCounterpartyType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                counterparty_type_0 = CaptureRequestCounterpartyType0(data)

                return counterparty_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CaptureRequestCounterpartyType0 | None | Unset, data)

        counterparty = _parse_counterparty(d.pop("counterparty", UNSET))

        def _parse_idempotent_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotent_key = _parse_idempotent_key(d.pop("idempotentKey", UNSET))

        def _parse_to_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        to_user_id = _parse_to_user_id(d.pop("toUserId", UNSET))

        capture_request = cls(
            amount=amount,
            counterparty=counterparty,
            idempotent_key=idempotent_key,
            to_user_id=to_user_id,
        )

        return capture_request
