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
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { deadLetterQueueName, PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts/queues';
import { DEFAULT_QUEUE_SETUP } from '@app/messaging/queue-setup';

export interface PaymentsStackProps extends StackProps {
  /** Repository root: the Docker build context of the images. Default: two levels above this file. */
  readonly repositoryRoot?: string;
  /** Put before every queue name (`<prefix>sales`), to run several environments in one region. */
  readonly queueNamePrefix?: string;
  /** ACM certificate for an HTTPS listener; without it the load balancer serves plain HTTP. */
  readonly certificateArn?: string;
  /** Name of a Secrets Manager secret whose plain-text value is API_KEYS (`name:key,...`). */
  readonly apiKeysSecretName?: string;
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
  constructor(scope: Construct, id: string, props: PaymentsStackProps = {}) {
    super(scope, id, props);
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
      // Lets the stack create the apps' databases without a Lambda inside the VPC.
      enableDataApi: true,
      backup: { retention: Duration.days(7) },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    const createDatabases = Object.values(DATABASES).map((name) =>
      this.createDatabase(database, databaseSecret, name),
    );

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
    const databaseSecrets = {
      DATABASE_USER: ecs.Secret.fromSecretsManager(databaseSecret, 'username'),
      DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(databaseSecret, 'password'),
    };

    // customer-api: publishes to `sales`, consumes `payment-status`, dead-letters what it cannot read.
    const apiKeys = props.apiKeysSecretName
      ? secretsmanager.Secret.fromSecretNameV2(this, 'ApiKeys', props.apiKeysSecretName)
      : undefined;
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
      },
      secrets: {
        ...databaseSecrets,
        ...(apiKeys ? { API_KEYS: ecs.Secret.fromSecretsManager(apiKeys) } : {}),
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
    const listener = props.certificateArn
      ? loadBalancer.addListener('Https', {
          port: 443,
          certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        })
      : loadBalancer.addListener('Http', { port: 80 });
    if (props.certificateArn) {
      loadBalancer.addRedirect();
    }
    listener.addTargets('CustomerApi', {
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

    // sales-worker: consumes `sales`, dead-letters permanent failures itself, reports status.
    const workerTask = this.taskDefinition('sales-worker', {
      image: image('sales-worker'),
      cpu: 512,
      memoryLimitMiB: 1024,
      port: PORTS.salesWorker,
      environment: {
        ...common,
        ...databaseEnvironment(DATABASES.salesWorker),
        PORT: String(PORTS.salesWorker),
        MAX_RECEIVE_COUNT: String(DEFAULT_QUEUE_SETUP.maxReceiveCount),
        WORKER_BATCH_SIZE: '10',
        WORKER_CONCURRENCY: '10',
        WORKER_RATE_LIMIT: '0',
      },
      secrets: databaseSecrets,
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
      // Migrations run at start-up, so the databases must exist first. Only the ECS service
      // waits: its security group is needed earlier, by the database's ingress rule.
      service.node.defaultChild?.node.addDependency(...createDatabases);
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
      value: `${props.certificateArn ? 'https' : 'http'}://${loadBalancer.loadBalancerDnsName}`,
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

  /** `CREATE DATABASE IF NOT EXISTS` through the Data API, once, when the stack is created. */
  private createDatabase(
    database: rds.DatabaseCluster,
    secret: secretsmanager.ISecret,
    name: string,
  ): cr.AwsCustomResource {
    const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    const resource = new cr.AwsCustomResource(this, `Create${id}Database`, {
      onCreate: {
        service: 'RDSData',
        action: 'executeStatement',
        parameters: {
          resourceArn: database.clusterArn,
          secretArn: secret.secretArn,
          sql: `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
        },
        physicalResourceId: cr.PhysicalResourceId.of(`database-${name}`),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['rds-data:ExecuteStatement'],
          resources: [database.clusterArn],
        }),
        new iam.PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secret.secretArn],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    // The instances, not only the cluster, must be up before the Data API can run a statement.
    resource.node.addDependency(database);
    return resource;
  }

  private taskDefinition(
    app: AppName,
    options: {
      image: ecs.ContainerImage;
      cpu: number;
      memoryLimitMiB: number;
      port?: number;
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
      portMappings: options.port === undefined ? [] : [{ containerPort: options.port }],
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
