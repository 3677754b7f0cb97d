from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.account_balance import AccountBalance
    from ..models.posting_answer import PostingAnswer
    from ..models.postings_response_metadata_type_0 import PostingsResponseMetadataType0
    from ..models.receipt import Receipt


T = TypeVar("T", bound="PostingsResponse")


@_attrs_define
class PostingsResponse:
    """
    Attributes:
        balances (list[AccountBalance]): Every user account the postings touched, balance after.
        created_at (str):
        description (None | str):
        idempotent_key (str):
        metadata (None | PostingsResponseMetadataType0):
        postings (list[PostingAnswer]):
        receipts (list[Receipt]): The ledger entries this movement wrote: each one's account, sequence and hash in its
            chain.
        transaction_id (str):
        type_ (Literal['postings']):
    """

    balances: list[AccountBalance]
    created_at: str
    description: None | str
    idempotent_key: str
    metadata: None | PostingsResponseMetadataType0
    postings: list[PostingAnswer]
    receipts: list[Receipt]
    transaction_id: str
    type_: Literal["postings"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.postings_response_metadata_type_0 import PostingsResponseMetadataType0  # noqa: PLC0415

        balances = []
        for balances_item_data in self.balances:
            balances_item = balances_item_data.to_dict()
            balances.append(balances_item)

        created_at = self.created_at

        description: None | str
        description = self.description

        idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, PostingsResponseMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        postings = []
        for postings_item_data in self.postings:
            postings_item = postings_item_data.to_dict()
            postings.append(postings_item)

        receipts = []
        for receipts_item_data in self.receipts:
            receipts_item = receipts_item_data.to_dict()
            receipts.append(receipts_item)

        transaction_id = self.transaction_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "balances": balances,
                "createdAt": created_at,
                "description": description,
                "idempotentKey": idempotent_key,
                "metadata": metadata,
                "postings": postings,
                "receipts": receipts,
                "transactionId": transaction_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account_balance import AccountBalance  # noqa: PLC0415
        from ..models.posting_answer import PostingAnswer  # noqa: PLC0415
        from ..models.postings_response_metadata_type_0 import PostingsResponseMetadataType0  # noqa: PLC0415
        from ..models.receipt import Receipt  # noqa: PLC0415

        d = dict(src_dict)
        balances = []
        _balances = d.pop("balances")
        for balances_item_data in _balances:
            balances_item = AccountBalance.from_dict(balances_item_data)

            balances.append(balances_item)

        created_at = d.pop("createdAt")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        idempotent_key = d.pop("idempotentKey")

        def _parse_metadata(data: object) -> None | PostingsResponseMetadataType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = PostingsResponseMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostingsResponseMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata"))

        postings = []
        _postings = d.pop("postings")
        for postings_item_data in _postings:
            postings_item = PostingAnswer.from_dict(postings_item_data)

            postings.append(postings_item)

        receipts = []
        _receipts = d.pop("receipts")
        for receipts_item_data in _receipts:
            receipts_item = Receipt.from_dict(receipts_item_data)

            receipts.append(receipts_item)

        transaction_id = d.pop("transactionId")

        type_ = cast(Literal["postings"], d.pop("type"))
        if type_ != "postings":
            raise ValueError(f"type must match const 'postings', got '{type_}'")

        postings_response = cls(
            balances=balances,
            created_at=created_at,
            description=description,
            idempotent_key=idempotent_key,
            metadata=metadata,
            postings=postings,
            receipts=receipts,
            transaction_id=transaction_id,
            type_=type_,
        )

        postings_response.additional_properties = d
        return postings_response

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
