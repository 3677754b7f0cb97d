"""LedgerDigests: the bucket where the nightly run anchors each ledger digest, and its access-log bucket."""

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.scanners import skip_checkov

# Server access logs granted by a bucket policy, not the legacy LogDeliveryWrite ACL (ACLs stay disabled).
_ACCESS_LOGS_BY_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


class LedgerDigests(Construct):
    """Object Lock in compliance mode: no one who can write the table (nor anyone else, the account's root
    user included) can change or delete a digest within its retention."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.node.set_context(_ACCESS_LOGS_BY_POLICY, True)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logs are delivered only with SSE-S3
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention_days))],
            removal_policy=removal_policy,
        )
        Validations.of(self.access_logs).acknowledge(
            Acknowledgment(id="AwsSolutions-S1", reason="This is the access-log bucket of the digest bucket.")
        )
        skip_checkov(
            self.access_logs,
            {
                "CKV_AWS_18": "This is the access-log bucket itself: logging it into another bucket would never end.",
                "CKV_AWS_145": "S3 server access logs are delivered only to buckets encrypted with SSE-S3.",
                "CKV_AWS_144": "Access logs of one region's digest bucket; replication is the operator's choice.",
                "CKV2_AWS_62": "Nothing reacts to access-log objects: they are read only when investigating access.",
            },
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(Duration.days(retention_days)),
            versioned=True,  # Object Lock requires it
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="digests/",
            removal_policy=RemovalPolicy.RETAIN,  # locked objects outlive any stack
        )
        skip_checkov(
            self.bucket,
            {
                "CKV_AWS_144": "Digests are small and re-derivable from the table; replication is the operator's "
                "choice (a second region's bucket with its own Object Lock).",
                "CKV2_AWS_61": "Digests are kept: Object Lock's retention, not a lifecycle rule, says when one may go.",
                "CKV2_AWS_62": "The nightly run publishes each digest on the event bus itself.",
            },
        )
