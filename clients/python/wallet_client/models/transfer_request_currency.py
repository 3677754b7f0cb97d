from enum import StrEnum


class TransferRequestCurrency(StrEnum):
    EUR = "EUR"
    GOLD = "GOLD"
    USD = "USD"

    def __str__(self) -> str:
        return str(self.value)
