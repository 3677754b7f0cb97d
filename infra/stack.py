"""The deployable stack: the WalletService construct with its settings from CDK context, and outputs."""

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import WalletConfig
from infra.wallet_service import WalletService


class WalletStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: WalletConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # "Default" keeps the logical ids the stack had before the construct existed: a deployed stack
        # updates in place instead of replacing (and orphaning) its tables.
        self.service = WalletService(self, "Default", config=config)
        CfnOutput(self, "ApiUrl", value=self.service.url, description="Base URL of the wallet API")
        CfnOutput(self, "WalletTableName", value=self.service.wallet_table.table_name)
        CfnOutput(self, "IdempotencyTableName", value=self.service.idempotency_table.table_name)
        CfnOutput(self, "EventBusName", value=self.service.event_bus.event_bus_name)
        CfnOutput(self, "AlarmTopicArn", value=self.service.alarm_topic.topic_arn)
        CfnOutput(self, "DashboardName", value=self.service.monitoring.dashboard_name)
