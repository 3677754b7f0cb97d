from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.posting_request_currency import PostingRequestCurrency
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.system_side import SystemSide
    from ..models.user_side import UserSide


T = TypeVar("T", bound="PostingRequest")


@_attrs_define
class PostingRequest:
    """
    Attributes:
        amount (float | str): Positive, with at most as many decimal places as the asset's scale (USD 2, GOLD 0), at
            most 1000000000 whole units. A string is preferred; a JSON number is accepted (no exponent form).
        from_ (SystemSide | UserSide): Exactly one of userId (a user's account) or systemAccount (a configured one)
        to (SystemSide | UserSide): Exactly one of userId (a user's account) or systemAccount (a configured one)
        currency (PostingRequestCurrency | Unset): A configured asset code (default USD) Default:
            PostingRequestCurrency.USD.
    """

    amount: float | str
    from_: SystemSide | UserSide
    to: SystemSide | UserSide
    currency: PostingRequestCurrency | Unset = PostingRequestCurrency.USD

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_side import UserSide  # noqa: PLC0415

        amount: float | str
        amount = self.amount

        from_: dict[str, Any]
        if isinstance(self.from_, UserSide):
            from_ = self.from_.to_dict()
        else:
            from_ = self.from_.to_dict()

        to: dict[str, Any]
        if isinstance(self.to, UserSide):
            to = self.to.to_dict()
        else:
            to = self.to.to_dict()

        currency: str | Unset = UNSET
        if not isinstance(self.currency, Unset):
            currency = self.currency.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "from": from_,
                "to": to,
            }
        )
        if currency is not UNSET:
            field_dict["currency"] = currency

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.system_side import SystemSide  # noqa: PLC0415
        from ..models.user_side import UserSide  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_amount(data: object) -> float | str:
            return cast(float | str, data)

        amount = _parse_amount(d.pop("amount"))

        def _parse_from_(data: object) -> SystemSide | UserSide:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                from_type_0 = UserSide.from_dict(data)

                return from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            from_type_1 = SystemSide.from_dict(data)

            return from_type_1

        from_ = _parse_from_(d.pop("from"))

        def _parse_to(data: object) -> SystemSide | UserSide:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                to_type_0 = UserSide.from_dict(data)

                return to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            to_type_1 = SystemSide.from_dict(data)

            return to_type_1

        to = _parse_to(d.pop("to"))

        _currency = d.pop("currency", UNSET)
        currency: PostingRequestCurrency | Unset
        if isinstance(_currency, Unset):
            currency = UNSET
        else:
            currency = PostingRequestCurrency(_currency)

        posting_request = cls(
            amount=amount,
            from_=from_,
            to=to,
            currency=currency,
        )

        return posting_request
