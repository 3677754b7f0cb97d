"""Who may do what. IAM mode trusts the signed caller (a backend service) for everything; JWT mode
lets a caller act on its own account (its token subject) and keeps money creation, counterparties and
system accounts for tokens carrying the configured admin scope. A token with the read scope (an operator
in the console) reads every account and system account but acts only as its own subject."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from wallet.errors import Forbidden
from wallet.settings import REVENUE, get_settings


def _has_scope(event: APIGatewayProxyEventV2, scope: str) -> bool:
    if get_settings().auth_mode == "iam":
        return True  # API Gateway already required a valid SigV4 signature (IAM authorization)
    authorizer = event.request_context.authorizer
    scopes = set(authorizer.jwt_scopes or []) | set(str((authorizer.jwt_claim or {}).get("scope", "")).split())
    return bool(scope) and scope in scopes


def _is_admin(event: APIGatewayProxyEventV2) -> bool:
    return _has_scope(event, get_settings().admin_scope)


def _reads_all(event: APIGatewayProxyEventV2) -> bool:
    return _is_admin(event) or _has_scope(event, get_settings().read_scope)


def require_owner(event: APIGatewayProxyEventV2, user_id: str) -> None:
    """Raise Forbidden unless the caller is an admin or the token's subject is user_id."""
    if _is_admin(event):
        return
    subject = (event.request_context.authorizer.jwt_claim or {}).get("sub")
    if subject != user_id:
        raise Forbidden("The token's subject may only act on its own wallet.")


def require_reader(event: APIGatewayProxyEventV2, user_id: str) -> None:
    """Reading an account: its owner, an admin or a token with the read scope."""
    if not _reads_all(event):
        require_owner(event, user_id)


def require_operator(event: APIGatewayProxyEventV2, action: str) -> None:
    """Raise Forbidden unless the caller reads every account (an admin, or a token with the read scope)."""
    if not _reads_all(event):
        raise Forbidden(f"{action} needs the admin or the read scope.")


def require_admin(event: APIGatewayProxyEventV2, action: str) -> None:
    """Raise Forbidden unless the caller is an admin (IAM mode, or a token with the admin scope)."""
    if not _is_admin(event):
        raise Forbidden(f"{action} needs the admin scope.")


def require_poster(event: APIGatewayProxyEventV2, postings: list[dict[str, Any]]) -> None:
    """A postings transaction: an admin may post anything; any other caller only pays from its own account
    (every `from` is its token's subject) to users or the revenue account, as its own debits do."""
    if _is_admin(event):
        return
    for posting in postings:
        source, target = posting["from"], posting["to"]
        if "userId" not in source:
            raise Forbidden("Posting from a system account needs the admin scope.")
        require_owner(event, source["userId"])
        if target.get("systemAccount", REVENUE) != REVENUE:
            raise Forbidden(f"Posting to a system account other than {REVENUE} needs the admin scope.")


def require_party(event: APIGatewayProxyEventV2, user_ids: set[str]) -> None:
    """Raise Forbidden unless the caller reads every account or is one of the users a movement touched."""
    if _reads_all(event):
        return
    if (event.request_context.authorizer.jwt_claim or {}).get("sub") not in user_ids:
        raise Forbidden("Only an admin or a user the movement touched may read it.")
