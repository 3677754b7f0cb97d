from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.movement_response_type import MovementResponseType

if TYPE_CHECKING:
    from ..models.history_item import HistoryItem
    from ..models.movement_response_metadata_type_0 import MovementResponseMetadataType0
    from ..models.posting_answer import PostingAnswer
    from ..models.reversed_amount import ReversedAmount


T = TypeVar("T", bound="MovementResponse")


@_attrs_define
class MovementResponse:
    """
    Attributes:
        created_at (str):
        description (None | str):
        entries (list[HistoryItem]): Its ledger entries, each with its account's balance after it
        idempotent_key (str):
        metadata (MovementResponseMetadataType0 | None):
        postings (list[PostingAnswer]):
        reversal_of (None | str): For a reversal: the movement it reverses
        reversed_ (list[ReversedAmount]): How much of it reversals have moved back, per asset
        transaction_id (str):
        type_ (MovementResponseType):
    """

    created_at: str
    description: None | str
    entries: list[HistoryItem]
    idempotent_key: str
    metadata: MovementResponseMetadataType0 | None
    postings: list[PostingAnswer]
    reversal_of: None | str
    reversed_: list[ReversedAmount]
    transaction_id: str
    type_: MovementResponseType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.movement_response_metadata_type_0 import MovementResponseMetadataType0  # noqa: PLC0415

        created_at = self.created_at

        description: None | str
        description = self.description

        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        idempotent_key = self.idempotent_key

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, MovementResponseMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        postings = []
        for postings_item_data in self.postings:
            postings_item = postings_item_data.to_dict()
            postings.append(postings_item)

        reversal_of: None | str
        reversal_of = self.reversal_of

        reversed_ = []
        for reversed_item_data in self.reversed_:
            reversed_item = reversed_item_data.to_dict()
            reversed_.append(reversed_item)

        transaction_id = self.transaction_id

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "description": description,
                "entries": entries,
                "idempotentKey": idempotent_key,
                "metadata": metadata,
                "postings": postings,
                "reversalOf": reversal_of,
                "reversed": reversed_,
                "transactionId": transaction_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.history_item import HistoryItem  # noqa: PLC0415
        from ..models.movement_response_metadata_type_0 import MovementResponseMetadataType0  # noqa: PLC0415
        from ..models.posting_answer import PostingAnswer  # noqa: PLC0415
        from ..models.reversed_amount import ReversedAmount  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("createdAt")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = HistoryItem.from_dict(entries_item_data)

            entries.append(entries_item)

        idempotent_key = d.pop("idempotentKey")

        def _parse_metadata(data: object) -> MovementResponseMetadataType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = MovementResponseMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MovementResponseMetadataType0 | None, data)

        metadata = _parse_metadata(d.pop("metadata"))

        postings = []
        _postings = d.pop("postings")
        for postings_item_data in _postings:
            postings_item = PostingAnswer.from_dict(postings_item_data)

            postings.append(postings_item)

        def _parse_reversal_of(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reversal_of = _parse_reversal_of(d.pop("reversalOf"))

        reversed_ = []
        _reversed_ = d.pop("reversed")
        for reversed_item_data in _reversed_:
            reversed_item = ReversedAmount.from_dict(reversed_item_data)

            reversed_.append(reversed_item)

        transaction_id = d.pop("transactionId")

        type_ = MovementResponseType(d.pop("type"))

        movement_response = cls(
            created_at=created_at,
            description=description,
            entries=entries,
            idempotent_key=idempotent_key,
            metadata=metadata,
            postings=postings,
            reversal_of=reversal_of,
            reversed_=reversed_,
            transaction_id=transaction_id,
            type_=type_,
        )

        movement_response.additional_properties = d
        return movement_response

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
