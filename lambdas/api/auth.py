"""Who may do what. IAM mode trusts the signed caller (a backend service) for everything; JWT mode
lets a caller act on its own account (its token subject) and keeps money creation, counterparties and
system accounts for tokens carrying the configured admin scope."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from wallet.errors import Forbidden
from wallet.settings import get_settings


def _is_admin(event: APIGatewayProxyEventV2) -> bool:
    settings = get_settings()
    if settings.auth_mode == "iam":
        return True  # API Gateway already required a valid SigV4 signature (IAM authorization)
    authorizer = event.request_context.authorizer
    scopes = set(authorizer.jwt_scopes or []) | set(str((authorizer.jwt_claim or {}).get("scope", "")).split())
    return bool(settings.admin_scope) and settings.admin_scope in scopes


def require_owner(event: APIGatewayProxyEventV2, user_id: str) -> None:
    """Raise Forbidden unless the caller is an admin or the token's subject is user_id."""
    if _is_admin(event):
        return
    subject = (event.request_context.authorizer.jwt_claim or {}).get("sub")
    if subject != user_id:
        raise Forbidden("The token's subject may only act on its own wallet.")


def require_admin(event: APIGatewayProxyEventV2, action: str) -> None:
    """Raise Forbidden unless the caller is an admin (IAM mode, or a token with the admin scope)."""
    if not _is_admin(event):
        raise Forbidden(f"{action} needs the admin scope.")
