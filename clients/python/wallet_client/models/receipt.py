from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Receipt")


@_attrs_define
class Receipt:
    """One ledger entry a movement wrote, as its account's chain holds it: proof the entry can be checked
    against later (make verify --receipt <hash>).

        Attributes:
            currency (str):
            hash_ (str): SHA-256, 64 lower-case hex characters
            previous_hash (str): SHA-256, 64 lower-case hex characters
            sequence (int):
            user_id (str):
    """

    currency: str
    hash_: str
    previous_hash: str
    sequence: int
    user_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        hash_ = self.hash_

        previous_hash = self.previous_hash

        sequence = self.sequence

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "hash": hash_,
                "previousHash": previous_hash,
                "sequence": sequence,
                "userId": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        hash_ = d.pop("hash")

        previous_hash = d.pop("previousHash")

        sequence = d.pop("sequence")

        user_id = d.pop("userId")

        receipt = cls(
            currency=currency,
            hash_=hash_,
            previous_hash=previous_hash,
            sequence=sequence,
            user_id=user_id,
        )

        receipt.additional_properties = d
        return receipt

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
