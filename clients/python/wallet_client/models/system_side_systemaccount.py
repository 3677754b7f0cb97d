from enum import StrEnum


class SystemSideSystemaccount(StrEnum):
    PROMOTIONS = "promotions"
    REVENUE = "revenue"
    TREASURY = "treasury"

    def __str__(self) -> str:
        return str(self.value)
