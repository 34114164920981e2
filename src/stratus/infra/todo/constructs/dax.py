"""The DAX read cache for the to-do table, and the private network it needs.

DAX only lives inside a VPC, so when a stage enables it the functions move into an
isolated VPC (no NAT, no internet): gateway endpoints reach DynamoDB and S3, an interface
endpoint reaches Secrets Manager. Two AZs via `max_azs` need no context lookup, so synth
stays credential-free.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dax as dax
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from stratus.infra.shared.stage import StageConfig

DAX_PORT = 8111
DAX_TLS_PORT = 9111
# Both TTLs 5 minutes; the handler's read-your-writes window (DAX_QUERY_CACHE_TTL_SECONDS) matches.
CACHE_TTL_MILLIS = 300_000
# Data-plane actions the functions may send to the cluster.
DAX_DATA_ACTIONS = (
    "dax:GetItem",
    "dax:BatchGetItem",
    "dax:Query",
    "dax:Scan",
    "dax:PutItem",
    "dax:UpdateItem",
    "dax:DeleteItem",
    "dax:BatchWriteItem",
    "dax:ConditionCheckItem",
)
# What the DAX service itself does on the table on the functions' behalf.
DYNAMODB_ACTIONS = (
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


class DaxCache(Construct):
    """VPC + endpoints + DAX cluster (SSE, TLS endpoint) in front of `table`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: StageConfig,
        table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
            # The restriction is a custom-resource Lambda; nothing is ever placed in the default SG.
            restrict_default_security_group=False,
        )
        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=cfg.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.vpc.add_flow_log(
            "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs)
        )
        self.vpc.add_gateway_endpoint(
            "DynamoDbEndpoint", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
        )
        self.vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3)
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.function_security_group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=self.vpc,
            description="to-do Lambda functions",
            allow_all_outbound=True,
        )
        # Only the functions may reach the endpoint (instead of CDK's default: the whole VPC CIDR).
        endpoint_sg = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Secrets Manager endpoint: HTTPS from the to-do functions only",
            allow_all_outbound=False,
        )
        endpoint_sg.add_ingress_rule(
            self.function_security_group, ec2.Port.tcp(443), "HTTPS from functions"
        )
        self.vpc.add_interface_endpoint(
            "SecretsManagerEndpoint",
            service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            private_dns_enabled=True,
            subnets=self.subnets,
            security_groups=[endpoint_sg],
            open=False,
        )
        cluster_sg = ec2.SecurityGroup(
            self,
            "ClusterSecurityGroup",
            vpc=self.vpc,
            description="DAX cluster: reachable from the to-do functions only",
            allow_all_outbound=False,
        )
        for port in (DAX_PORT, DAX_TLS_PORT):
            cluster_sg.add_ingress_rule(
                self.function_security_group, ec2.Port.tcp(port), f"DAX from functions ({port})"
            )

        subnet_group = dax.CfnSubnetGroup(
            self,
            "SubnetGroup",
            description="isolated subnets of the to-do VPC",
            subnet_ids=self.vpc.select_subnets(
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
            ).subnet_ids,
        )
        parameter_group = dax.CfnParameterGroup(
            self,
            "ParameterGroup",
            description="to-do cache TTLs",
            parameter_name_values={
                "query-ttl-millis": str(CACHE_TTL_MILLIS),
                "record-ttl-millis": str(CACHE_TTL_MILLIS),
            },
        )
        service_role = iam.Role(
            self,
            "ServiceRole",
            description="lets DAX read and write the to-do table",
            assumed_by=iam.ServicePrincipal("dax.amazonaws.com"),
            inline_policies={
                "TodoTable": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=list(DYNAMODB_ACTIONS), resources=[table.table_arn]
                        )
                    ]
                )
            },
        )
        self.cluster = dax.CfnCluster(
            self,
            "Cluster",
            iam_role_arn=service_role.role_arn,
            node_type=cfg.dax_node_type,
            replication_factor=cfg.dax_nodes,
            subnet_group_name=subnet_group.ref,
            parameter_group_name=parameter_group.ref,
            security_group_ids=[cluster_sg.security_group_id],
            sse_specification=dax.CfnCluster.SSESpecificationProperty(sse_enabled=True),
            cluster_endpoint_encryption_type="TLS",
            description=f"to-do read cache ({cfg.name})",
        )
        self.cluster.apply_removal_policy(RemovalPolicy.DESTROY)

    @property
    def discovery_endpoint(self) -> str:
        """`daxs://...` URL the DAX client connects to (CloudFormation GetAtt)."""
        return self.cluster.attr_cluster_discovery_endpoint_url

    def grant_data_access(self, role: iam.IRole) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(DAX_DATA_ACTIONS), resources=[self.cluster.attr_arn])
        )
