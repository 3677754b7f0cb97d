from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.posting_answer_from import PostingAnswerFrom
    from ..models.posting_answer_to import PostingAnswerTo


T = TypeVar("T", bound="PostingAnswer")


@_attrs_define
class PostingAnswer:
    """
    Attributes:
        amount (str): Exactly the asset's scale in decimal places
        currency (str):
        from_ (PostingAnswerFrom): {userId} or {systemAccount}
        to (PostingAnswerTo): {userId} or {systemAccount}
    """

    amount: str
    currency: str
    from_: PostingAnswerFrom
    to: PostingAnswerTo
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        currency = self.currency

        from_ = self.from_.to_dict()

        to = self.to.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "from": from_,
                "to": to,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.posting_answer_from import PostingAnswerFrom  # noqa: PLC0415
        from ..models.posting_answer_to import PostingAnswerTo  # noqa: PLC0415

        d = dict(src_dict)
        amount = d.pop("amount")

        currency = d.pop("currency")

        from_ = PostingAnswerFrom.from_dict(d.pop("from"))

        to = PostingAnswerTo.from_dict(d.pop("to"))

        posting_answer = cls(
            amount=amount,
            currency=currency,
            from_=from_,
            to=to,
        )

        posting_answer.additional_properties = d
        return posting_answer

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
