from enum import StrEnum


class TransactionRequestCounterpartyType0(StrEnum):
    PROMOTIONS = "promotions"
    REVENUE = "revenue"
    TREASURY = "treasury"

    def __str__(self) -> str:
        return str(self.value)
