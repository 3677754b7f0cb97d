from enum import StrEnum


class MovementResponseType(StrEnum):
    CAPTURE = "capture"
    CREDIT = "credit"
    DEBIT = "debit"
    POSTINGS = "postings"
    REVERSAL = "reversal"
    TRANSFER = "transfer"

    def __str__(self) -> str:
        return str(self.value)
