"""Input rules shared by the Python API and the HTTP models."""

import json
import re

USER_ID_PATTERN = r"^[A-Za-z0-9._:@-]{1,128}$"
IDEMPOTENT_KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
HISTORY_DEFAULT_LIMIT = 20
HISTORY_MAX_LIMIT = 100
DESCRIPTION_MAX_LENGTH = 200
METADATA_MAX_KEYS = 20
METADATA_MAX_BYTES = 2048

_USER_ID = re.compile(USER_ID_PATTERN)
_IDEMPOTENT_KEY = re.compile(IDEMPOTENT_KEY_PATTERN)


def is_valid_user_id(value: object) -> bool:
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


def is_valid_idempotent_key(value: object) -> bool:
    return isinstance(value, str) and _IDEMPOTENT_KEY.fullmatch(value) is not None


def check_metadata(metadata: object) -> str | None:
    """What is wrong with a metadata object, or None: at most 20 string keys with string values, 2 KB as JSON."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in metadata.items()
    ):
        return "metadata must be a JSON object whose values are strings"
    if len(metadata) > METADATA_MAX_KEYS:
        return f"metadata must have at most {METADATA_MAX_KEYS} keys"
    if any(not key for key in metadata):
        return "metadata keys must not be empty"
    if len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode()) > METADATA_MAX_BYTES:
        return f"metadata must not exceed {METADATA_MAX_BYTES} bytes as JSON"
    return None
