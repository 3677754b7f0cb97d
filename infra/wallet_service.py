"""WalletService: the whole wallet as one construct a CDK app can add.

Tables, one Lambda per route behind an HTTP API (auth, throttling, SnapStart), movement events (the
table's stream -> a consumer -> an EventBridge bus, failures to an encrypted dead-letter queue), the
nightly reconciliation (EventBridge Scheduler), and a dashboard with alarms to an SNS topic.
"""

import json

from aws_cdk import (
    Acknowledgment,
    Annotations,
    BundlingOptions,
    CfnElement,
    DockerImage,
    Duration,
    Stack,
    Validations,
)
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from api.routes import (
    ALL_ROUTES,
    BALANCE,
    BALANCES,
    CAPTURE_HOLD,
    CONSOLE,
    CONSOLE_FILE,
    GET_HOLD,
    GET_TRANSACTION,
    HISTORY,
    NOT_FOUND,
    PLACE_HOLD,
    POSTINGS,
    PUBLIC_ROUTES,
    RECONCILIATION,
    REVERSAL,
    SYSTEM_ACCOUNTS,
    SYSTEM_BALANCE,
    TRANSACT,
    TRANSFER,
    USER_HOLDS,
    VOID_HOLD,
)
from infra.bundling import ASSET_EXCLUDES, COMPILE_COMMAND, LAMBDAS_DIR, LocalPipBundling
from infra.config import WalletConfig
from infra.digests import LedgerDigests
from infra.monitoring import WalletMonitoring
from infra.scanners import skip_checkov
from infra.tables import (
    BY_MOVEMENT_INDEX,
    BY_TIME_INDEX,
    IDEMPOTENCY_TABLE,
    PENDING_HOLDS_INDEX,
    WALLET_TABLE,
    TableSchema,
)

SERVICE_NAME = "wallet"
METRICS_NAMESPACE = "Wallet"
# 512 MB buys the CPU share that keeps a cold start with pydantic and Powertools near 1 s; 10 s bounds
# the Powertools in-flight lock (it expires at the invocation deadline) well above the retry budget.
MEMORY_MB = 512
TIMEOUT = Duration.seconds(10)
# The reconciliation keeps the parsed books in memory (about 0.7 KB per item): 3 GB checks about four
# million items, and the CPU share that comes with it shortens the nightly scan.
RECONCILE_MEMORY_MB = 3008

# Least privilege: the exact DynamoDB actions each function's code performs, per table. A
# TransactWriteItems needs the action of each item it holds (PutItem, UpdateItem).
_IDEMPOTENCY_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
# Credits, debits and transfers: BatchGetItem reads a transfer's two balances, and a waiting caller's key
# record with its hot account's lease; Query reads the queue (its writer); GetItem the key record of a
# rate-limited movement (to replay a key already answered).
_MOVEMENT_WALLET_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
]
_ACCESS: dict[str, dict[str, list[str]]] = {
    BALANCE.name: {"wallet": ["dynamodb:GetItem"], "wallet-by-time": ["dynamodb:Query"]},
    BALANCES.name: {"wallet": ["dynamodb:GetItem", "dynamodb:BatchGetItem"], "wallet-by-time": ["dynamodb:Query"]},
    HISTORY.name: {"wallet": ["dynamodb:Query"], "wallet-by-time": ["dynamodb:Query"]},
    TRANSACT.name: {"wallet": _MOVEMENT_WALLET_ACTIONS, "idempotency": _IDEMPOTENCY_ACTIONS},
    TRANSFER.name: {"wallet": _MOVEMENT_WALLET_ACTIONS, "idempotency": _IDEMPOTENCY_ACTIONS},
    POSTINGS.name: {"wallet": _MOVEMENT_WALLET_ACTIONS, "idempotency": _IDEMPOTENCY_ACTIONS},
    GET_TRANSACTION.name: {"wallet": ["dynamodb:GetItem"], "wallet-by-movement": ["dynamodb:Query"]},
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
    RECONCILIATION.name: {"wallet": ["dynamodb:GetItem"]},
    CONSOLE.name: {},
    CONSOLE_FILE.name: {},
    SYSTEM_BALANCE.name: {"wallet": ["dynamodb:BatchGetItem", "dynamodb:Query"]},
    NOT_FOUND.name: {},
    # Not routes: the stream consumer reads the stream (granted by its event source) and only puts events;
    # the nightly run scans, folds system legs into checkpoints (Query, BatchGetItem, UpdateItem) and marks
    # overdue holds expired (found on the PendingHolds index; GetItem of the account, a transaction putting
    # the key record, updating the hold and the balance).
    "StreamEvents": {},
    "Reconcile": {
        "wallet": [
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        "wallet-pending-holds": ["dynamodb:Query"],
    },
}
STREAM_BATCH_SIZE = 100  # local.events reads batches of the same size
STREAM_RETRY_ATTEMPTS = 10
STREAM_MAX_RECORD_AGE = Duration.hours(24)  # the stream keeps records 24 h
ALIAS_NAME = "live"  # the API invokes this alias of each function's published (SnapStart) version


class WalletService(Construct):
    """Everything the wallet needs in one construct; `WalletStack` is a thin use of it."""

    def __init__(self, scope: Construct, construct_id: str, *, config: WalletConfig) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        # One customer-managed key (rotated) for what holds user ids and amounts outside the tables:
        # logs, the dead-letter queue, the alarm topic.
        self.key = kms.Key(
            self,
            "Key",
            description="Wallet: log groups, dead-letter queue, alarm topic and ledger digests",
            enable_key_rotation=True,
            removal_policy=config.cdk_removal_policy,
        )
        region = Stack.of(self).region
        self.key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{region}.amazonaws.com"))
        self.wallet_table = self._table("WalletTable", WALLET_TABLE)
        self.idempotency_table = self._table("IdempotencyTable", IDEMPOTENCY_TABLE)
        self.dead_letters = self._dead_letter_queue()
        self.code = lambda_.Code.from_asset(
            str(LAMBDAS_DIR),
            exclude=ASSET_EXCLUDES,
            bundling=BundlingOptions(
                # Docker is only the fallback; LocalPipBundling builds the asset on this machine.
                image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
                command=[
                    "bash",
                    "-c",
                    "cp -r /asset-input/. /asset-output && pip install -r requirements.txt -t /asset-output"
                    " && python " + " ".join(COMPILE_COMMAND) + " /asset-output",
                ],
                local=LocalPipBundling(),  # type: ignore[arg-type]  # jsii passes the options positionally
            ),
        )
        self.functions = {
            route.name: self._function(
                route.name,
                route.handler,
                environment=self.config.console_environment if route in PUBLIC_ROUTES else None,
            )
            for route in ALL_ROUTES
        }
        self.aliases = {name: self._live_alias(function) for name, function in self.functions.items()}
        self.api = self._http_api()
        self.stage = self._stage()
        self.event_bus, self.event_consumer = self._events()
        self.digest_bucket = LedgerDigests(
            self,
            "LedgerDigests",
            key=self.key,
            retention_days=config.digest_retention_days,
            removal_policy=config.cdk_removal_policy,
        ).bucket
        self.reconciliation = self._reconciliation()
        self.alarm_topic = self._alarm_topic()
        self.monitoring = WalletMonitoring(
            self,
            "Monitoring",
            config=config,
            alarm_topic=self.alarm_topic,
            api=self.api,
            stage_name=self.stage.stage_name,
            api_functions=self.functions,
            event_consumer=self.event_consumer,
            reconciliation=self.reconciliation,
            tables=[self.wallet_table, self.idempotency_table],
            dead_letters=self.dead_letters,
        )

    @property
    def url(self) -> str:
        return self.stage.url

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
            dynamo_stream=dynamodb.StreamViewType(schema.stream_view) if schema.stream_view else None,
            billing=dynamodb.Billing.on_demand(),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.config.retain_data,
            removal_policy=self.config.cdk_removal_policy,
        )

    def _function(
        self,
        name: str,
        handler: str,
        *,
        timeout: Duration = TIMEOUT,
        memory_mb: int = MEMORY_MB,
        environment: dict[str, str] | None = None,
        snap_start: bool = True,
        dead_letters: sqs.IQueue | None = None,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            retention=self.config.log_retention,
            encryption_key=self.key,
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
            "wallet-pending-holds": f"{self.wallet_table.table_arn}/index/{PENDING_HOLDS_INDEX.name}",
            "idempotency": self.idempotency_table.table_arn,
        }
        for resource, actions in _ACCESS[name].items():
            role.add_to_policy(iam.PolicyStatement(actions=actions, resources=[resources[resource]]))

        function = lambda_.Function(
            self,
            f"{name}Function",
            description=f"Wallet: {name}",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=self.code,
            role=role,
            memory_size=memory_mb,
            timeout=timeout,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            dead_letter_queue=dead_letters,
            reserved_concurrent_executions=self.config.reserved_concurrency_for(name),
            # A restored snapshot holds no connection (clients are built on first use, see wallet.aws).
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start and self.config.snap_start else None,
            environment={
                "WALLET_TABLE_NAME": self.wallet_table.table_name,
                "IDEMPOTENCY_TABLE_NAME": self.idempotency_table.table_name,
                "WALLET_AUTH_MODE": self.config.auth_mode,
                "WALLET_ADMIN_SCOPE": self.config.admin_scope,
                "WALLET_READ_SCOPE": self.config.read_scope,
                "WALLET_ASSETS": self.config.assets_json,
                "WALLET_SYSTEM_ACCOUNTS": json.dumps(list(self.config.system_accounts)),
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **self.config.rate_limit_environment,
                **(environment or {}),
            },
        )
        if snap_start and self.config.snap_start:
            Annotations.of(function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish", "The API invokes the live alias of a published version."
            )
        pinned = "Pinned to Python 3.13, the runtime the code and its arm64 wheels are built and tested for."
        Validations.of(function).acknowledge(
            Acknowledgment(id="AwsSolutions-L1", reason=pinned),
            Acknowledgment(id="Serverless-LambdaLatestVersion", reason=pinned),
        )
        if dead_letters is None:
            Validations.of(function).acknowledge(
                Acknowledgment(
                    id="Serverless-LambdaDLQ",
                    reason="Invoked synchronously (API Gateway answers the caller, the stream's poller retries "
                    "and dead-letters its batches): a function DLQ only serves asynchronous invocations.",
                )
            )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
            )
        )
        if dead_letters is None:
            skip_checkov(
                function,
                {
                    "CKV_AWS_116": "Invoked synchronously (API Gateway, or the stream's poller which has its own "
                    "dead-letter queue): a function DLQ only serves asynchronous invocations."
                },
            )
        skip_checkov(
            function,
            {
                "CKV_AWS_117": "No VPC: the functions call only AWS APIs (DynamoDB, EventBridge) with IAM-signed "
                "requests and accept no inbound connections; a VPC would add NAT or endpoint cost and cold-start "
                "time without removing an exposure.",
                "CKV_AWS_173": "The environment holds no secrets (table names, asset list, auth mode); Lambda "
                "encrypts it at rest with an AWS-managed key.",
            },
        )
        return function

    def _live_alias(self, function: lambda_.Function) -> lambda_.IFunction:
        """With SnapStart, only published versions restore from a snapshot: callers go through an alias."""
        if not self.config.snap_start:
            return function
        return lambda_.Alias(self, f"{function.node.id}Live", alias_name=ALIAS_NAME, version=function.current_version)

    def _dead_letter_queue(self) -> sqs.Queue:
        """Where the event consumer sends the batches it could not publish and the scheduler its failed runs."""
        queue = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        Validations.of(queue).acknowledge(
            Acknowledgment(id="AwsSolutions-SQS3", reason="This queue is the dead-letter queue."),
            Acknowledgment(id="Serverless-SQSRedrivePolicy", reason="This queue is the dead-letter queue."),
        )
        return queue

    def _events(self) -> tuple[events.EventBus, lambda_.Function]:
        bus = events.EventBus(self, "EventBus", description="Wallet movement events, one per committed movement")
        consumer = self._function(
            "StreamEvents",
            "handlers.stream_events.lambda_handler",
            timeout=Duration.seconds(60),
            environment={"WALLET_EVENT_BUS_NAME": bus.event_bus_name},
            snap_start=False,  # invoked by the stream's poller, not on a user's request path
        )
        bus.grant_put_events_to(consumer)
        _acknowledge_kms_send(consumer.role)
        consumer.add_event_source(
            event_sources.DynamoEventSource(
                self.wallet_table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=STREAM_BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=STREAM_RETRY_ATTEMPTS,
                max_record_age=STREAM_MAX_RECORD_AGE,
                parallelization_factor=1,  # one batch per shard at a time: records leave in stream order
                report_batch_item_failures=True,
                on_failure=event_sources.SqsDlq(self.dead_letters),
                # Only new, applied key records become events; the handler checks the same again.
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("INSERT"),
                            "dynamodb": {
                                "Keys": {"SK": {"S": lambda_.FilterRule.is_equal("TXKEY")}},
                                "NewImage": {"outcome": {"S": lambda_.FilterRule.is_equal("APPLIED")}},
                            },
                        }
                    )
                ],
            )
        )
        return bus, consumer

    def _reconciliation(self) -> lambda_.Function:
        function = self._function(
            "Reconcile",
            "handlers.reconcile.lambda_handler",
            timeout=Duration.minutes(15),
            memory_mb=RECONCILE_MEMORY_MB,
            snap_start=False,  # runs once a night
            dead_letters=self.dead_letters,
            environment={
                "WALLET_DIGEST_BUCKET": self.digest_bucket.bucket_name,
                "WALLET_EVENT_BUS_NAME": self.event_bus.event_bus_name,
            },
        )
        # Its own, narrow rights on the digests: add new objects under digests/ (never delete, never change
        # retention: compliance mode forbids shortening it anyway), encrypt them, publish their events.
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.digest_bucket.arn_for_objects("digests/*")])
        )
        Validations.of(function.role).acknowledge(  # type: ignore[arg-type]
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{Stack.of(self).get_logical_id(_cfn(self.digest_bucket))}.Arn>"
                "/digests/*]",
                reason="Each digest is a new object named by its time: the run may add objects under digests/ only.",
            )
        )
        self.key.grant(function, "kms:GenerateDataKey")
        self.event_bus.grant_put_events_to(function)
        function.configure_async_invoke(
            retry_attempts=0,  # a run that failed is retried by the scheduler, not on top of it
            on_failure=destinations.SqsDestination(self.dead_letters),
        )
        _acknowledge_kms_send(function.role)
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler: invoke the reconciliation, dead-letter a failed invocation",
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{Stack.of(self).get_logical_id(_cfn(function))}.Arn>:*]",
                reason="CDK's scheduler target grants invoke on the reconciliation function and its versions only.",
            )
        )
        _acknowledge_kms_send(role)
        scheduler.Schedule(
            self,
            "NightlyReconciliation",
            description="Mark overdue holds expired, fold the system accounts, check that the books balance",
            schedule=scheduler.ScheduleExpression.expression(self.config.reconcile_schedule),
            target=scheduler_targets.LambdaInvoke(
                function,
                role=role,
                dead_letter_queue=self.dead_letters,
                retry_attempts=2,
                max_event_age=Duration.hours(1),
            ),
        )
        return function

    def _alarm_topic(self) -> sns.Topic:
        topic = sns.Topic(self, "Alarms", display_name="Wallet alarms", master_key=self.key, enforce_ssl=True)
        self.key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        if self.config.alarm_email:
            sns.Subscription(
                self,
                "AlarmEmail",
                topic=topic,
                protocol=sns.SubscriptionProtocol.EMAIL,
                endpoint=self.config.alarm_email,
                dead_letter_queue=self.dead_letters,  # an undeliverable alarm lands beside the other dead letters
            )
            self.key.grant_encrypt_decrypt(iam.ServicePrincipal("sns.amazonaws.com"))
        return topic

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
            default_integration=integrations.HttpLambdaIntegration("NotFoundIntegration", self.aliases[NOT_FOUND.name]),
        )
        for route in ALL_ROUTES:
            if route is NOT_FOUND:
                continue
            public = route in PUBLIC_ROUTES  # the console's static files; what they fetch is authorized
            added = api.add_routes(
                path=route.path,
                methods=[apigw.HttpMethod(route.method)],
                integration=integrations.HttpLambdaIntegration(f"{route.name}Integration", self.aliases[route.name]),
                authorizer=apigw.HttpNoneAuthorizer() if public else None,
            )
            for public_route in added if public else []:
                reason = (
                    "The console's page, script and styles are public like any sign-in page; every request they "
                    "make for data or actions goes to routes behind the API's authorizer."
                )
                Validations.of(public_route).acknowledge(Acknowledgment(id="AwsSolutions-APIG4", reason=reason))
                skip_checkov(public_route, {"CKV_AWS_309": reason})
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
            encryption_key=self.key,
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


def _cfn(construct: Construct) -> CfnElement:
    resource = construct.node.default_child
    assert isinstance(resource, CfnElement)
    return resource


def _acknowledge_kms_send(role: iam.IRole | None) -> None:
    """Sending to the encrypted dead-letter queue: CDK grants kms:GenerateDataKey* and kms:ReEncrypt* on that
    one key (the wildcard is in the action name, not the resource)."""
    assert role is not None
    for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Action::{action}]",
                reason="CDK's grant to send to the dead-letter queue encrypted with the wallet's key; the "
                "resource is that one key.",
            )
        )
