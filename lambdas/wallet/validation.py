"""Input rules shared by the Python API and the HTTP models."""

import re

USER_ID_PATTERN = r"^[A-Za-z0-9._:@-]{1,128}$"
IDEMPOTENT_KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
HISTORY_DEFAULT_LIMIT = 20
HISTORY_MAX_LIMIT = 100

_USER_ID = re.compile(USER_ID_PATTERN)
_IDEMPOTENT_KEY = re.compile(IDEMPOTENT_KEY_PATTERN)


def is_valid_user_id(value: object) -> bool:
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


def is_valid_idempotent_key(value: object) -> bool:
    return isinstance(value, str) and _IDEMPOTENT_KEY.fullmatch(value) is not None
