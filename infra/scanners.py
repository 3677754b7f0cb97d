"""Suppressions for checkov, the independent IaC scanner, written into the template with their reasons."""

from aws_cdk import CfnResource
from constructs import IConstruct


def skip_checkov(construct: IConstruct, reasons: dict[str, str]) -> None:
    """Adds checkov skips (check id -> why a reviewer may accept it) to the construct's CloudFormation resource."""
    resource = construct.node.default_child if not isinstance(construct, CfnResource) else construct
    assert isinstance(resource, CfnResource), f"{construct.node.path} has no CloudFormation resource"
    existing = resource.get_metadata("checkov") or {"skip": []}
    existing["skip"] += [{"id": check, "comment": reason} for check, reason in reasons.items()]
    resource.add_metadata("checkov", existing)
