"""The wallet on AWS: two DynamoDB tables, one Lambda per route, an HTTP API with auth and throttling."""

import json

from aws_cdk import Acknowledgment, BundlingOptions, CfnOutput, DockerImage, Duration, Stack, Validations
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from api.routes import (
    ALL_ROUTES,
    BALANCE,
    BALANCES,
    CAPTURE_HOLD,
    GET_HOLD,
    HISTORY,
    NOT_FOUND,
    PLACE_HOLD,
    REVERSAL,
    SYSTEM_ACCOUNTS,
    SYSTEM_BALANCE,
    TRANSACT,
    TRANSFER,
    USER_HOLDS,
    VOID_HOLD,
)
from infra.bundling import ASSET_EXCLUDES, LAMBDAS_DIR, LocalPipBundling
from infra.config import WalletConfig
from infra.tables import BY_MOVEMENT_INDEX, BY_TIME_INDEX, IDEMPOTENCY_TABLE, WALLET_TABLE, TableSchema

SERVICE_NAME = "wallet"
METRICS_NAMESPACE = "Wallet"
# 512 MB buys the CPU share that keeps a cold start with pydantic and Powertools near 1 s; 10 s bounds
# the Powertools in-flight lock (it expires at the invocation deadline) well above the retry budget.
MEMORY_MB = 512
TIMEOUT = Duration.seconds(10)

# Least privilege: the exact DynamoDB actions each function's code performs, per table. A
# TransactWriteItems needs the action of each item it holds (PutItem, UpdateItem).
_IDEMPOTENCY_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
_ACCESS: dict[str, dict[str, list[str]]] = {
    BALANCE.name: {"wallet": ["dynamodb:GetItem"], "wallet-by-time": ["dynamodb:Query"]},
    BALANCES.name: {"wallet": ["dynamodb:GetItem", "dynamodb:BatchGetItem"], "wallet-by-time": ["dynamodb:Query"]},
    HISTORY.name: {"wallet": ["dynamodb:Query"], "wallet-by-time": ["dynamodb:Query"]},
    TRANSACT.name: {
        "wallet": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "idempotency": _IDEMPOTENCY_ACTIONS,
    },
    TRANSFER.name: {
        "wallet": ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "idempotency": _IDEMPOTENCY_ACTIONS,
    },
    REVERSAL.name: {
        "wallet": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "wallet-by-movement": ["dynamodb:Query"],
        "idempotency": _IDEMPOTENCY_ACTIONS,
    },
    PLACE_HOLD.name: {
        "wallet": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "idempotency": _IDEMPOTENCY_ACTIONS,
    },
    CAPTURE_HOLD.name: {
        "wallet": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "idempotency": _IDEMPOTENCY_ACTIONS,
    },
    VOID_HOLD.name: {
        "wallet": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "idempotency": _IDEMPOTENCY_ACTIONS,
    },
    GET_HOLD.name: {"wallet": ["dynamodb:GetItem"]},
    USER_HOLDS.name: {"wallet-by-time": ["dynamodb:Query"]},
    SYSTEM_ACCOUNTS.name: {"wallet": ["dynamodb:BatchGetItem", "dynamodb:Query"]},
    SYSTEM_BALANCE.name: {"wallet": ["dynamodb:BatchGetItem", "dynamodb:Query"]},
    NOT_FOUND.name: {},
}


class WalletStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: WalletConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.config = config
        self.wallet_table = self._table("WalletTable", WALLET_TABLE)
        self.idempotency_table = self._table("IdempotencyTable", IDEMPOTENCY_TABLE)
        code = lambda_.Code.from_asset(
            str(LAMBDAS_DIR),
            exclude=ASSET_EXCLUDES,
            bundling=BundlingOptions(
                # Docker is only the fallback; LocalPipBundling builds the asset on this machine.
                image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
                command=[
                    "bash",
                    "-c",
                    "cp -r /asset-input/. /asset-output && pip install -r requirements.txt -t /asset-output",
                ],
                local=LocalPipBundling(),  # type: ignore[arg-type]  # jsii passes the options positionally
            ),
        )
        self.functions = {route.name: self._function(route.name, route.handler, code) for route in ALL_ROUTES}
        self.api = self._http_api()
        self.stage = self._stage()

        CfnOutput(self, "ApiUrl", value=self.stage.url, description="Base URL of the wallet API")
        CfnOutput(self, "WalletTableName", value=self.wallet_table.table_name)
        CfnOutput(self, "IdempotencyTableName", value=self.idempotency_table.table_name)

    def _table(self, construct_id: str, schema: TableSchema) -> dynamodb.TableV2:
        indexes = [
            dynamodb.GlobalSecondaryIndexPropsV2(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=index.sort_key, type=dynamodb.AttributeType.STRING)
                if index.sort_key
                else None,
                projection_type=dynamodb.ProjectionType(index.projection),
            )
            for index in schema.indexes
        ]
        return dynamodb.TableV2(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name=schema.partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=schema.sort_key, type=dynamodb.AttributeType.STRING)
            if schema.sort_key
            else None,
            time_to_live_attribute=schema.ttl_attribute,
            global_secondary_indexes=indexes or None,
            billing=dynamodb.Billing.on_demand(),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.config.retain_data,
            removal_policy=self.config.cdk_removal_policy,
        )

    def _function(self, name: str, handler: str, code: lambda_.Code) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            retention=self.config.log_retention,
            removal_policy=self.config.cdk_removal_policy,
        )
        role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Wallet {name} function: its log group and the DynamoDB actions it performs",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
            )
        )
        resources = {
            "wallet": self.wallet_table.table_arn,
            "wallet-by-time": f"{self.wallet_table.table_arn}/index/{BY_TIME_INDEX.name}",
            "wallet-by-movement": f"{self.wallet_table.table_arn}/index/{BY_MOVEMENT_INDEX.name}",
            "idempotency": self.idempotency_table.table_arn,
        }
        for resource, actions in _ACCESS[name].items():
            role.add_to_policy(iam.PolicyStatement(actions=actions, resources=[resources[resource]]))

        function = lambda_.Function(
            self,
            f"{name}Function",
            description=f"Wallet API: {name}",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code,
            role=role,
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            environment={
                "WALLET_TABLE_NAME": self.wallet_table.table_name,
                "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
                "WALLET_AUTH_MODE": self.config.auth_mode,
                "WALLET_ADMIN_SCOPE": self.config.admin_scope,
                "WALLET_ASSETS": self.config.assets_json,
                "WALLET_SYSTEM_ACCOUNTS": json.dumps(list(self.config.system_accounts)),
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
        )
        Validations.of(function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Pinned to Python 3.13, the runtime the code and its arm64 wheels are built and tested for.",
            )
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
            )
        )
        return function

    def _authorizer(self) -> apigw.IHttpRouteAuthorizer:
        if self.config.auth_mode == "jwt":
            return authorizers.HttpJwtAuthorizer(
                "JwtAuthorizer", self.config.jwt_issuer, jwt_audience=list(self.config.jwt_audience)
            )
        return authorizers.HttpIamAuthorizer()

    def _http_api(self) -> apigw.HttpApi:
        api = apigw.HttpApi(
            self,
            "WalletApi",
            description="Wallet: balances per asset, exactly-once transactions and transfers, history, system accounts",
            create_default_stage=False,
            default_authorizer=self._authorizer(),
            # $default: unmatched requests get the service's 404 body instead of API Gateway's own.
            default_integration=integrations.HttpLambdaIntegration(
                "NotFoundIntegration", self.functions[NOT_FOUND.name]
            ),
        )
        for route in ALL_ROUTES:
            if route is NOT_FOUND:
                continue
            api.add_routes(
                path=route.path,
                methods=[apigw.HttpMethod(route.method)],
                integration=integrations.HttpLambdaIntegration(f"{route.name}Integration", self.functions[route.name]),
            )
        return api

    def _stage(self) -> apigw.HttpStage:
        stage = apigw.HttpStage(
            self,
            "WalletStage",
            http_api=self.api,
            stage_name=self.config.stage_name,
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=self.config.throttle_rate_limit, burst_limit=self.config.throttle_burst_limit
            ),
        )
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=self.config.log_retention,
            removal_policy=self.config.cdk_removal_policy,
        )
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format=(
                '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                '"caller":"$context.identity.caller","user":"$context.identity.user",'
                '"requestTime":"$context.requestTime","routeKey":"$context.routeKey",'
                '"status":"$context.status","responseLength":"$context.responseLength",'
                '"integrationLatency":"$context.integrationLatency","error":"$context.error.message"}'
            ),
        )
        return stage
