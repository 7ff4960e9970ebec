import * as path from 'node:path';
import {
  CfnOutput,
  Duration,
  IgnoreMode,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tokenization,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { deadLetterQueueName, PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts/queues';
import { DEFAULT_QUEUE_SETUP } from '@app/messaging/queue-setup';
import { DatabaseUsers } from './database-users';

export interface PaymentsStackProps extends StackProps {
  /** Repository root: the Docker build context of the images. Default: two levels above this file. */
  readonly repositoryRoot?: string;
  /** Put before every queue name (`<prefix>sales`), to run several environments in one region. */
  readonly queueNamePrefix?: string;
  /** ACM certificate of the HTTPS listener; the load balancer serves HTTPS only (80 redirects). */
  readonly certificateArn: string;
  /** Name of a Secrets Manager secret whose plain-text value is API_KEYS (`name:key,...`). */
  readonly apiKeysSecretName: string;
}

type AppName = 'customer-api' | 'sales-worker' | 'queue-admin';

interface QueuePair {
  queue: sqs.Queue;
  dlq: sqs.Queue;
}

/** The apps' graceful shutdown budget after SIGTERM (their SHUTDOWN_TIMEOUT_MS). */
export const SHUTDOWN_TIMEOUT_MS = 25_000;
/** ECS sends SIGKILL this long after SIGTERM: longer than the budget, so a drain is never cut. */
export const STOP_TIMEOUT = Duration.seconds(30);

export const DATABASES = { customerApi: 'customer', salesWorker: 'sales' } as const;
/** Each app's own MySQL user, granted its database only (as in docker/mysql). */
export const DATABASE_USERS = { customer: 'customer_api', sales: 'sales_worker' } as const;
/**
 * What the load balancer forwards to customer-api: the API and its page (`/`, `/assets/*`). Health,
 * metrics and the API document are not public; anything else gets a 404 from the balancer.
 */
export const PUBLIC_PATHS = ['/', '/assets/*', '/payments', '/payments/*'] as const;
/**
 * Requests one client address may send in WAF_RATE_WINDOW_SECONDS across all replicas before
 * the WAF blocks it with 429 (the apps' own limits are per process; docs/security.md).
 */
export const WAF_RATE_LIMIT = 3_000;
export const WAF_RATE_WINDOW_SECONDS = 60;
export const PORTS = { customerApi: 3000, salesWorker: 3001 } as const;
export const HEALTH_READY_PATH = '/health/ready';

const WORKER_SCALING = { minTasks: 1, maxTasks: 10 };
const API_SCALING = { minTasks: 2, maxTasks: 6 };
const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * customer-api behind a load balancer and sales-worker scaled on the `sales` backlog, on Fargate,
 * with Aurora MySQL Serverless v2 (one database per app) and the contract's queues and DLQs.
 */
export class PaymentsStack extends Stack {
  constructor(scope: Construct, id: string, props: PaymentsStackProps) {
    super(scope, id, props);
    if (!props.certificateArn || !props.apiKeysSecretName) {
      // Fails closed: no plain-HTTP listener, no open API on an internet-facing balancer.
      throw new Error(
        'PaymentsStack needs certificateArn (HTTPS) and apiKeysSecretName (API keys): ' +
          'pass -c certificateArn=... -c apiKeysSecretName=...',
      );
    }
    const repositoryRoot = props.repositoryRoot ?? path.resolve(__dirname, '..', '..');
    const prefix = props.queueNamePrefix ?? '';

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const sales = this.queueWithDeadLetterQueue('Sales', `${prefix}${SALES_QUEUE}`);
    const paymentStatus = this.queueWithDeadLetterQueue(
      'PaymentStatus',
      `${prefix}${PAYMENT_STATUS_QUEUE}`,
    );

    const databaseSecret = new rds.DatabaseSecret(this, 'DatabaseSecret', {
      username: 'payments_admin',
    });
    const database = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraMysql({
        version: rds.AuroraMysqlEngineVersion.VER_3_10_0,
      }),
      credentials: rds.Credentials.fromSecret(databaseSecret),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      // A second AZ to fail over to; it follows the writer's capacity so a failover is not slow.
      readers: [rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true })],
      // Not 0: a paused cluster makes the first requests after idle wait for it to resume.
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 8,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      storageEncrypted: true,
      // The Data API stays off: the apps' users are made from inside the VPC (DatabaseUsers).
      enableDataApi: false,
      backup: { retention: Duration.days(7) },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    const databaseUsers = new DatabaseUsers(this, 'DatabaseUsers', {
      cluster: database,
      masterSecret: databaseSecret,
      vpc,
      databases: DATABASE_USERS,
      logRetention: LOG_RETENTION,
    });

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const image = (app: AppName): ecs.ContainerImage =>
      ecs.ContainerImage.fromAsset(repositoryRoot, {
        file: 'docker/Dockerfile',
        buildArgs: { APP: app },
        // Synth only hashes the context (trimmed by .dockerignore); the image is built on deploy.
        ignoreMode: IgnoreMode.DOCKER,
        platform: Platform.LINUX_AMD64,
      });
    const queueEnvironment = {
      NODE_ENV: 'production',
      AWS_REGION: this.region,
      // Full URLs: exact on AWS, and accepted wherever a queue name is.
      SALES_QUEUE: sales.queue.queueUrl,
      PAYMENT_STATUS_QUEUE: paymentStatus.queue.queueUrl,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    const common = {
      ...queueEnvironment,
      HOST: '0.0.0.0',
      SQS_WAIT_TIME_SECONDS: '20',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    };
    const databaseEnvironment = (name: string): Record<string, string> => ({
      DATABASE_HOST: database.clusterEndpoint.hostname,
      DATABASE_PORT: Tokenization.stringifyNumber(database.clusterEndpoint.port),
      DATABASE_NAME: name,
      DATABASE_POOL_SIZE: '10',
      DATABASE_MIGRATIONS_RUN: 'true',
    });
    // Each app its own user's secret; the master secret reaches no task.
    const databaseSecrets = (name: string): Record<string, ecs.Secret> => ({
      DATABASE_USER: ecs.Secret.fromSecretsManager(databaseUsers.secrets[name], 'username'),
      DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(databaseUsers.secrets[name], 'password'),
    });

    // customer-api: publishes to `sales`, consumes `payment-status`, dead-letters what it cannot read.
    const apiKeys = secretsmanager.Secret.fromSecretNameV2(
      this,
      'ApiKeys',
      props.apiKeysSecretName,
    );
    const apiTask = this.taskDefinition('customer-api', {
      image: image('customer-api'),
      cpu: 512,
      memoryLimitMiB: 1024,
      port: PORTS.customerApi,
      environment: {
        ...common,
        ...databaseEnvironment(DATABASES.customerApi),
        PORT: String(PORTS.customerApi),
        MAX_RECEIVE_COUNT: String(DEFAULT_QUEUE_SETUP.maxReceiveCount),
        // The load balancer's nodes live in the VPC: only their X-Forwarded-For is believed.
        TRUSTED_PROXIES: vpc.vpcCidrBlock,
      },
      secrets: {
        ...databaseSecrets(DATABASES.customerApi),
        API_KEYS: ecs.Secret.fromSecretsManager(apiKeys),
      },
    });
    sales.queue.grantSendMessages(apiTask.taskRole);
    paymentStatus.queue.grantConsumeMessages(apiTask.taskRole);
    paymentStatus.dlq.grantSendMessages(apiTask.taskRole);

    const apiService = new ecs.FargateService(this, 'CustomerApiService', {
      cluster,
      taskDefinition: apiTask,
      desiredCount: API_SCALING.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      // Start-up runs the migrations before the app can answer /health/ready.
      healthCheckGracePeriod: Duration.seconds(90),
    });
    apiService
      .autoScaleTaskCount({ minCapacity: API_SCALING.minTasks, maxCapacity: API_SCALING.maxTasks })
      .scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      dropInvalidHeaderFields: true,
    });
    // HTTPS only: port 80 answers with a redirect, and what is not the API's gets a 404.
    const listener = loadBalancer.addListener('Https', {
      port: 443,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/problem+json',
        messageBody: JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }),
      }),
    });
    loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    listener.addTargets('CustomerApi', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns([...PUBLIC_PATHS])],
      port: PORTS.customerApi,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [
        apiService.loadBalancerTarget({
          containerName: 'customer-api',
          containerPort: PORTS.customerApi,
        }),
      ],
      healthCheck: {
        path: HEALTH_READY_PATH,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // The app answers 503 once it starts draining, so the default 300 s only slows deploys.
      deregistrationDelay: Duration.seconds(20),
    });
    this.rateLimitByAddress(loadBalancer);

    // sales-worker: consumes `sales`, dead-letters permanent failures itself, reports status.
    const workerTask = this.taskDefinition('sales-worker', {
      image: image('sales-worker'),
      cpu: 512,
      memoryLimitMiB: 1024,
      port: PORTS.salesWorker,
      // Its reads need no key: loopback only, for the container's health check and a sidecar.
      publishPort: false,
      environment: {
        ...common,
        ...databaseEnvironment(DATABASES.salesWorker),
        HOST: '127.0.0.1',
        PORT: String(PORTS.salesWorker),
        MAX_RECEIVE_COUNT: String(DEFAULT_QUEUE_SETUP.maxReceiveCount),
        WORKER_BATCH_SIZE: '10',
        WORKER_CONCURRENCY: '10',
        WORKER_RATE_LIMIT: '0',
      },
      secrets: databaseSecrets(DATABASES.salesWorker),
    });
    sales.queue.grantConsumeMessages(workerTask.taskRole);
    sales.dlq.grantSendMessages(workerTask.taskRole);
    paymentStatus.queue.grantSendMessages(workerTask.taskRole);

    const workerService = new ecs.FargateService(this, 'SalesWorkerService', {
      cluster,
      taskDefinition: workerTask,
      desiredCount: WORKER_SCALING.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    workerService
      .autoScaleTaskCount({
        minCapacity: WORKER_SCALING.minTasks,
        maxCapacity: WORKER_SCALING.maxTasks,
      })
      .scaleOnMetric('SalesBacklog', {
        metric: sales.queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        scalingSteps: [
          { upper: 0, change: -1 },
          { lower: 100, change: +1 },
          { lower: 1_000, change: +3 },
        ],
        cooldown: Duration.seconds(120),
      });

    for (const service of [apiService, workerService]) {
      database.connections.allowDefaultPortFrom(service);
      // Migrations run at start-up, so the databases and users must exist first. Only the ECS
      // service waits: its security group is needed earlier, by the database's ingress rule.
      service.node.defaultChild?.node.addDependency(databaseUsers.resource);
    }

    // queue-admin: no service, a task definition for one-off `aws ecs run-task` DLQ operations.
    // The queues themselves are created by this stack, so its `setup` command is not needed here.
    const adminTask = this.taskDefinition('queue-admin', {
      image: image('queue-admin'),
      cpu: 256,
      memoryLimitMiB: 512,
      environment: {
        ...queueEnvironment,
        MAX_RECEIVE_COUNT: String(DEFAULT_QUEUE_SETUP.maxReceiveCount),
      },
      secrets: {},
    });
    for (const { queue, dlq } of [sales, paymentStatus]) {
      // `dlq redrive` asks SQS to move the messages (StartMessageMoveTask) and falls back to
      // receive, send to the source queue, then delete.
      dlq.grantConsumeMessages(adminTask.taskRole);
      dlq.grant(adminTask.taskRole, 'sqs:StartMessageMoveTask');
      queue.grantSendMessages(adminTask.taskRole);
    }
    const adminSecurityGroup = new ec2.SecurityGroup(this, 'QueueAdminSecurityGroup', { vpc });

    new CfnOutput(this, 'LoadBalancerUrl', {
      value: `https://${loadBalancer.loadBalancerDnsName}`,
    });
    new CfnOutput(this, 'SalesQueueUrl', { value: sales.queue.queueUrl });
    new CfnOutput(this, 'PaymentStatusQueueUrl', { value: paymentStatus.queue.queueUrl });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'QueueAdminTaskDefinitionArn', { value: adminTask.taskDefinitionArn });
    new CfnOutput(this, 'QueueAdminSecurityGroupId', {
      value: adminSecurityGroup.securityGroupId,
    });
    new CfnOutput(this, 'AppSubnetIds', {
      value: vpc
        .selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
        .subnetIds.join(','),
    });
  }

  private queueWithDeadLetterQueue(id: string, name: string): QueuePair {
    const retentionPeriod = Duration.seconds(DEFAULT_QUEUE_SETUP.retentionSeconds);
    const dlq = new sqs.Queue(this, `${id}DeadLetterQueue`, {
      queueName: deadLetterQueueName(name),
      retentionPeriod,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      queueName: name,
      retentionPeriod,
      visibilityTimeout: Duration.seconds(DEFAULT_QUEUE_SETUP.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: dlq, maxReceiveCount: DEFAULT_QUEUE_SETUP.maxReceiveCount },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    return { queue, dlq };
  }

  /**
   * A WAF rate-based rule: the limit per client address that holds across every replica (each
   * app process counts only what it sees). Over it, the balancer answers 429 itself.
   */
  private rateLimitByAddress(loadBalancer: elbv2.ApplicationLoadBalancer): void {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('payments-web-acl'),
      rules: [
        {
          name: 'RateLimitPerAddress',
          priority: 0,
          statement: {
            rateBasedStatement: {
              limit: WAF_RATE_LIMIT,
              evaluationWindowSec: WAF_RATE_WINDOW_SECONDS,
              aggregateKeyType: 'IP',
            },
          },
          action: { block: { customResponse: { responseCode: 429 } } },
          visibilityConfig: visibility('payments-rate-limit'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: loadBalancer.loadBalancerArn,
      webAclArn: acl.attrArn,
    });
  }

  private taskDefinition(
    app: AppName,
    options: {
      image: ecs.ContainerImage;
      cpu: number;
      memoryLimitMiB: number;
      port?: number;
      /** false: the port is for the container itself (its health check), not the network. */
      publishPort?: boolean;
      environment: Record<string, string>;
      secrets: Record<string, ecs.Secret>;
    },
  ): ecs.FargateTaskDefinition {
    const id = app
      .split('-')
      .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
      .join('');
    const taskDefinition = new ecs.FargateTaskDefinition(this, `${id}Task`, {
      cpu: options.cpu,
      memoryLimitMiB: options.memoryLimitMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: LOG_RETENTION });
    taskDefinition.addContainer(app, {
      containerName: app,
      image: options.image,
      environment: options.environment,
      secrets: options.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: app }),
      portMappings:
        options.port === undefined || options.publishPort === false
          ? []
          : [{ containerPort: options.port }],
      // Liveness: a hung process gets replaced; readiness is the load balancer's check.
      healthCheck:
        options.port === undefined
          ? undefined
          : {
              command: ['CMD', 'node', 'healthcheck.js'],
              interval: Duration.seconds(15),
              timeout: Duration.seconds(5),
              retries: 3,
              startPeriod: Duration.seconds(60),
            },
      stopTimeout: STOP_TIMEOUT,
      // An init process as PID 1 forwards SIGTERM to node and reaps children.
      linuxParameters: new ecs.LinuxParameters(this, `${id}Linux`, { initProcessEnabled: true }),
    });
    return taskDefinition;
  }
}
