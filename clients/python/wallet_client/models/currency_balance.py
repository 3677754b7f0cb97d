from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chain_head import ChainHead


T = TypeVar("T", bound="CurrencyBalance")


@_attrs_define
class CurrencyBalance:
    """
    Attributes:
        balance (str): Exactly the asset's scale in decimal places
        currency (str):
        available (None | str | Unset): balance - held: what debits, transfers and new holds may use (null for a past
            instant).
        head (ChainHead | None | Unset): The account's hash chain so far: its last entry's sequence and hash (sequence 0
            and 64 zeros before its first entry; hash null for an account whose entries predate the chain until its chain
            starts). Null for a balance at a past instant.
        held (None | str | Unset): The sum of pending, unexpired holds (null for a balance at a past instant).
    """

    balance: str
    currency: str
    available: None | str | Unset = UNSET
    head: ChainHead | None | Unset = UNSET
    held: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chain_head import ChainHead  # noqa: PLC0415

        balance = self.balance

        currency = self.currency

        available: None | str | Unset
        if isinstance(self.available, Unset):
            available = UNSET
        else:
            available = self.available

        head: dict[str, Any] | None | Unset
        if isinstance(self.head, Unset):
            head = UNSET
        elif isinstance(self.head, ChainHead):
            head = self.head.to_dict()
        else:
            head = self.head

        held: None | str | Unset
        if isinstance(self.held, Unset):
            held = UNSET
        else:
            held = self.held

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "balance": balance,
                "currency": currency,
            }
        )
        if available is not UNSET:
            field_dict["available"] = available
        if head is not UNSET:
            field_dict["head"] = head
        if held is not UNSET:
            field_dict["held"] = held

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chain_head import ChainHead  # noqa: PLC0415

        d = dict(src_dict)
        balance = d.pop("balance")

        currency = d.pop("currency")

        def _parse_available(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        available = _parse_available(d.pop("available", UNSET))

        def _parse_head(data: object) -> ChainHead | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                head_type_0 = ChainHead.from_dict(data)

                return head_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChainHead | None | Unset, data)

        head = _parse_head(d.pop("head", UNSET))

        def _parse_held(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        held = _parse_held(d.pop("held", UNSET))

        currency_balance = cls(
            balance=balance,
            currency=currency,
            available=available,
            head=head,
            held=held,
        )

        currency_balance.additional_properties = d
        return currency_balance

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
