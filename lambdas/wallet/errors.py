"""One exception per business outcome. The HTTP mapping lives in wallet.api, nowhere else."""


class WalletError(Exception):
    """Base for every outcome the service reports to a caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidRequest(WalletError):
    """The request is malformed; nothing was written."""


class PayloadTooLarge(WalletError):
    """The request body is larger than the service accepts."""


class UnsupportedMediaType(WalletError):
    """The request body is not JSON."""


class NotFound(WalletError):
    """The named resource (a system account) does not exist."""


class MethodNotAllowed(WalletError):
    """The path exists, but not with this method; allowed: the methods it has."""

    def __init__(self, message: str, allowed: tuple[str, ...] = ()):
        super().__init__(message)
        self.allowed = allowed


class InsufficientFunds(WalletError):
    """A debit or transfer was declined because it exceeds the balance. Final for its idempotency key."""

    def __init__(self, message: str, replayed: bool = False):
        super().__init__(message)
        self.replayed = replayed


class HoldNotFound(WalletError):
    """No hold has this id."""


class HoldNotPending(WalletError):
    """The hold has ended already (captured or voided)."""

    def __init__(self, message: str, status: str = ""):
        super().__init__(message)
        self.status = status


class HoldExpired(WalletError):
    """The hold is past its expiry: it no longer holds anything."""


class ReversalExceedsOriginal(WalletError):
    """The reversal would move back more than is left of the original movement."""


class ReversalWholeOnly(WalletError):
    """A partial reversal of a movement that is reversed whole or not at all (a postings transaction)."""


class CaptureRefused(WalletError):
    """The capture does not fit the hold: more than it holds, or paid to the hold's own user."""


class IdempotencyKeyReused(WalletError):
    """The key was first used with another request (any field, on any route)."""


class IdempotencyKeyInUse(WalletError):
    """A request with this key is still being processed."""


class Forbidden(WalletError):
    """The caller's identity does not allow this operation."""


class ServiceUnavailable(WalletError):
    """The store kept refusing the write (throttling, contention); safe to retry with the same key."""


class RateLimited(WalletError):
    """The user's account is over its movement rate; nothing was written and the key stays unused."""

    def __init__(self, message: str, retry_after_seconds: int = 1):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
