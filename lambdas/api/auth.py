"""Per-user authorization. IAM mode trusts the signed caller; JWT mode binds a caller to its subject."""

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from wallet.errors import Forbidden
from wallet.settings import get_settings


def require_access(event: APIGatewayProxyEventV2, user_id: str) -> None:
    """Raise Forbidden unless the caller may read or move money for user_id."""
    if get_settings().auth_mode != "jwt":
        return  # API Gateway already required a valid SigV4 signature (IAM authorization)
    subject = (event.request_context.authorizer.jwt_claim or {}).get("sub")
    if subject != user_id:
        raise Forbidden("The token's subject may only act on its own wallet.")
