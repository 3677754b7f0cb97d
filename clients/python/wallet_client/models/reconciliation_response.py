from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.asset_sum import AssetSum


T = TypeVar("T", bound="ReconciliationResponse")


@_attrs_define
class ReconciliationResponse:
    """
    Attributes:
        clean (bool): True when the run found no difference.
        difference_count (int):
        differences (list[str]): The first differences found, each in words.
        items (int): Items the run read.
        ran_at (str): When the run started (RFC 3339).
        totals (list[AssetSum]):
        unsettled (int): Items written during the run, left to the next one.
    """

    clean: bool
    difference_count: int
    differences: list[str]
    items: int
    ran_at: str
    totals: list[AssetSum]
    unsettled: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        clean = self.clean

        difference_count = self.difference_count

        differences = self.differences

        items = self.items

        ran_at = self.ran_at

        totals = []
        for totals_item_data in self.totals:
            totals_item = totals_item_data.to_dict()
            totals.append(totals_item)

        unsettled = self.unsettled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "clean": clean,
                "differenceCount": difference_count,
                "differences": differences,
                "items": items,
                "ranAt": ran_at,
                "totals": totals,
                "unsettled": unsettled,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.asset_sum import AssetSum  # noqa: PLC0415

        d = dict(src_dict)
        clean = d.pop("clean")

        difference_count = d.pop("differenceCount")

        differences = cast(list[str], d.pop("differences"))

        items = d.pop("items")

        ran_at = d.pop("ranAt")

        totals = []
        _totals = d.pop("totals")
        for totals_item_data in _totals:
            totals_item = AssetSum.from_dict(totals_item_data)

            totals.append(totals_item)

        unsettled = d.pop("unsettled")

        reconciliation_response = cls(
            clean=clean,
            difference_count=difference_count,
            differences=differences,
            items=items,
            ran_at=ran_at,
            totals=totals,
            unsettled=unsettled,
        )

        reconciliation_response.additional_properties = d
        return reconciliation_response

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
