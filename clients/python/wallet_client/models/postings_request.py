from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.posting_request import PostingRequest
    from ..models.postings_request_metadata_type_0 import PostingsRequestMetadataType0


T = TypeVar("T", bound="PostingsRequest")


@_attrs_define
class PostingsRequest:
    """
    Attributes:
        postings (list[PostingRequest]): At most 20 postings among at most 20 user accounts (user and asset); every
            posting names a user on one side at least, and its two sides differ.
        description (None | str | Unset):
        idempotent_key (None | str | Unset): Required here or in the Idempotency-Key header; if both, they must match.
        metadata (None | PostingsRequestMetadataType0 | Unset):
    """

    postings: list[PostingRequest]
    description: None | str | Unset = UNSET
    idempotent_key: None | str | Unset = UNSET
    metadata: None | PostingsRequestMetadataType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.postings_request_metadata_type_0 import PostingsRequestMetadataType0  # noqa: PLC0415

        postings = []
        for postings_item_data in self.postings:
            postings_item = postings_item_data.to_dict()
            postings.append(postings_item)

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
        elif isinstance(self.metadata, PostingsRequestMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "postings": postings,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if idempotent_key is not UNSET:
            field_dict["idempotentKey"] = idempotent_key
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.posting_request import PostingRequest  # noqa: PLC0415
        from ..models.postings_request_metadata_type_0 import PostingsRequestMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        postings = []
        _postings = d.pop("postings")
        for postings_item_data in _postings:
            postings_item = PostingRequest.from_dict(postings_item_data)

            postings.append(postings_item)

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

        def _parse_metadata(data: object) -> None | PostingsRequestMetadataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = PostingsRequestMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PostingsRequestMetadataType0 | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        postings_request = cls(
            postings=postings,
            description=description,
            idempotent_key=idempotent_key,
            metadata=metadata,
        )

        return postings_request
