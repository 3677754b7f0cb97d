from enum import StrEnum


class HoldResponseStatus(StrEnum):
    CAPTURED = "captured"
    EXPIRED = "expired"
    PENDING = "pending"
    VOIDED = "voided"

    def __str__(self) -> str:
        return str(self.value)
