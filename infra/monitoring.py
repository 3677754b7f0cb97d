"""The wallet's dashboard and alarms, built with cdk-monitoring-constructs; every alarm goes to one SNS topic.

Each alarm below is listed, with what to do about it, in the README's runbook.
"""

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from cdk_monitoring_constructs import (
    AlarmFactoryDefaults,
    CustomMetricGroup,
    CustomMetricWithAlarm,
    CustomThreshold,
    DefaultDashboardFactory,
    ErrorCountThreshold,
    LatencyThreshold,
    MaxAgeThreshold,
    MaxMessageCountThreshold,
    MonitoringFacade,
    SnsAlarmActionStrategy,
    ThrottledEventsThreshold,
)
from constructs import Construct

from infra.config import WalletConfig

METRICS_NAMESPACE = "Wallet"
SERVICE_DIMENSION = {"service": "wallet"}  # Powertools adds it to every metric of the service
API_P99_LATENCY = Duration.seconds(3)
ITERATOR_AGE_MS = 5 * 60 * 1000
OVERLOAD_PER_5_MIN = 10  # 503s: DynamoDB or the idempotency store pushed back after the retry budget
IN_FLIGHT_PER_5_MIN = 50  # 409 IDEMPOTENCY_KEY_IN_USE: clients retrying a key still being processed
RATE_LIMITED_PER_5_MIN = 100  # 429 RATE_LIMITED: a client hammering one account, or a limit set too low


class WalletMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: WalletConfig,
        alarm_topic: sns.ITopic,
        api: apigw.HttpApi,
        stage_name: str,
        api_functions: dict[str, lambda_.Function],
        event_consumer: lambda_.Function,
        reconciliation: lambda_.Function,
        tables: list[dynamodb.TableV2],
        dead_letters: sqs.Queue,
    ) -> None:
        super().__init__(scope, construct_id)
        # Names unique per deployment of the construct: "WalletStack", or "<Stack>-<id>" for another id.
        stack = Stack.of(self)
        self.name_prefix = stack.stack_name if scope.node.id == "Default" else f"{stack.stack_name}-{scope.node.id}"
        self.dashboard_name = self.name_prefix
        facade = MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=AlarmFactoryDefaults(
                actions_enabled=True,
                alarm_name_prefix=self.name_prefix,
                action=SnsAlarmActionStrategy(on_alarm_topic=alarm_topic, on_ok_topic=alarm_topic),
                datapoints_to_alarm=1,
                evaluation_periods=1,
            ),
            dashboard_factory=DefaultDashboardFactory(
                self, "Dashboards", dashboard_name_prefix=self.dashboard_name, create_summary_dashboard=False
            ),
        )
        facade.add_large_header("Wallet: API, functions, tables, events, reconciliation")
        facade.monitor_api_gateway_v2_http_api(
            api=api,
            api_stage=stage_name,
            alarm_friendly_name="Api",
            add5xx_count_alarm={"Any5xx": ErrorCountThreshold(max_error_count=0)},
            add_latency_p99_alarm={"SlowP99": LatencyThreshold(max_latency=API_P99_LATENCY)},
        )
        for name, function in api_functions.items():
            self._monitor_function(facade, name, function)
        self._monitor_function(
            facade,
            "StreamEvents",
            event_consumer,
            iterator_age=MaxAgeThreshold(max_age_in_millis=ITERATOR_AGE_MS),
        )
        self._monitor_function(facade, "Reconcile", reconciliation)
        for table in tables:
            facade.monitor_dynamo_table(
                table=table,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                add_read_throttled_events_count_alarm={
                    "Throttled": ThrottledEventsThreshold(max_throttled_events_threshold=0)
                },
                add_write_throttled_events_count_alarm={
                    "Throttled": ThrottledEventsThreshold(max_throttled_events_threshold=0)
                },
                add_system_error_count_alarm={"SystemErrors": ErrorCountThreshold(max_error_count=0)},
            )
        facade.monitor_sqs_queue(
            queue=dead_letters,
            alarm_friendly_name="DeadLetters",
            human_readable_name="Dead letters (event batches not published, failed reconciliation runs)",
            add_queue_max_size_alarm={"NotEmpty": MaxMessageCountThreshold(max_message_count=0)},
        )
        facade.monitor_custom(
            alarm_friendly_name="Service",
            human_readable_name="Wallet service metrics",
            metric_groups=[
                CustomMetricGroup(
                    title="Books: reconciliation differences (alarm > 0) and runs",
                    metrics=[
                        _alarmed(
                            "ReconciliationDifferences",
                            _service_metric("ReconciliationDifferences", "Maximum", Duration.hours(1)),
                            "BooksDoNotBalance",
                            above=0,
                        ),
                        _alarmed(
                            "ReconciliationRuns",
                            _service_metric("ReconciliationItems", "SampleCount", Duration.days(1)),
                            "DidNotRun",
                            below=1,
                            missing_is_breaching=True,
                        ),
                    ],
                ),
                CustomMetricGroup(
                    title="Push-back: 503 overload, 409 key in flight, 429 rate limited (per 5 min)",
                    metrics=[
                        _alarmed(
                            "Overloaded",
                            _service_metric("ServiceUnavailable", "Sum", Duration.minutes(5)),
                            "Overloaded",
                            above=OVERLOAD_PER_5_MIN,
                        ),
                        _alarmed(
                            "KeyInFlight",
                            _service_metric("IdempotencyKeyInUse", "Sum", Duration.minutes(5)),
                            "ManyInFlight",
                            above=IN_FLIGHT_PER_5_MIN,
                        ),
                        _alarmed(
                            "RateLimited",
                            _service_metric("RateLimited", "Sum", Duration.minutes(5)),
                            "ManyRateLimited",
                            above=RATE_LIMITED_PER_5_MIN,
                        ),
                        _service_metric("InternalError", "Sum", Duration.minutes(5)),
                        _service_metric("InsufficientFunds", "Sum", Duration.minutes(5)),
                    ],
                ),
                CustomMetricGroup(
                    title="DynamoDB: TransactionConflict and consumed capacity (Wallet table)",
                    metrics=[
                        _table_metric(tables[0], "TransactionConflict", "Sum"),
                        _table_metric(tables[0], "ConsumedWriteCapacityUnits", "Sum"),
                        _table_metric(tables[0], "ConsumedReadCapacityUnits", "Sum"),
                    ],
                ),
                CustomMetricGroup(
                    title="Events published",
                    metrics=[_service_metric("EventsPublished", "Sum", Duration.minutes(5))],
                ),
            ],
        )

    @staticmethod
    def _monitor_function(
        facade: MonitoringFacade,
        name: str,
        function: lambda_.Function,
        iterator_age: MaxAgeThreshold | None = None,
    ) -> None:
        facade.monitor_lambda_function(
            lambda_function=function,
            alarm_friendly_name=name,
            human_readable_name=f"Function {name}",
            add_fault_count_alarm={"Errors": ErrorCountThreshold(max_error_count=0)},
            add_throttles_count_alarm={"Throttles": ErrorCountThreshold(max_error_count=0)},
            add_max_iterator_age_alarm={"IteratorAge": iterator_age} if iterator_age else None,
            is_iterator=iterator_age is not None,
        )


def _alarmed(
    name: str,
    metric: cloudwatch.Metric,
    alarm: str,
    *,
    above: float | None = None,
    below: float | None = None,
    missing_is_breaching: bool = False,
) -> CustomMetricWithAlarm:
    """A service metric on the dashboard with one alarm: over `above`, or under `below`."""
    operator = cloudwatch.ComparisonOperator
    threshold = CustomThreshold(
        threshold=above if above is not None else below,  # type: ignore[arg-type]
        comparison_operator=operator.GREATER_THAN_THRESHOLD if above is not None else operator.LESS_THAN_THRESHOLD,
        treat_missing_data_override=cloudwatch.TreatMissingData.BREACHING if missing_is_breaching else None,
    )
    return CustomMetricWithAlarm(alarm_friendly_name=name, metric=metric, add_alarm={alarm: threshold})


def _service_metric(name: str, statistic: str, period: Duration) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map=SERVICE_DIMENSION,
        statistic=statistic,
        period=period,
        label=name,
    )


def _table_metric(table: dynamodb.TableV2, name: str, statistic: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/DynamoDB",
        metric_name=name,
        dimensions_map={"TableName": table.table_name},
        statistic=statistic,
        period=Duration.minutes(5),
        label=name,
    )
