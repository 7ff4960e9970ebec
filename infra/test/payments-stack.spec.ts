import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { APP_CONTEXT } from '../lib/app-context';
import {
  DATABASES,
  HEALTH_READY_PATH,
  PaymentsStack,
  PORTS,
  SHUTDOWN_TIMEOUT_MS,
  STOP_TIMEOUT,
} from '../lib/payments-stack';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface ContainerDefinition {
  Name: string;
  StopTimeout?: number;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
}

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/**
 * One synthesis for the whole file, with the CDK's CloudFormation validation on as in `cdk synth`
 * (it caught a dependency cycle once). That validator, WebAssembly, takes most of the ~8 s and
 * makes the Jest worker slow to exit, hence Jest's "failed to exit gracefully" notice.
 */
function synthesize(): { template: Template; dockerImages: Record<string, unknown>[] } {
  const app = new App({ context: APP_CONTEXT });
  const stack = new PaymentsStack(app, 'Payments', { repositoryRoot: REPOSITORY_ROOT });
  const assembly = app.synth();
  const dockerImages = assembly.artifacts
    .filter(AssetManifestArtifact.isAssetManifestArtifact)
    .flatMap((artifact) => Object.values(artifact.contents.dockerImages ?? {}))
    .map((image) => image.source as Record<string, unknown>);
  const template = Template.fromJSON(
    assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>,
  );
  return { template, dockerImages };
}

function onlyLogicalId(template: Template, type: string, properties: Record<string, unknown>) {
  const ids = Object.keys(template.findResources(type, { Properties: properties }));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function arnOf(logicalId: string): Record<string, unknown> {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

function containerNamed(template: Template, name: string): ContainerDefinition {
  const taskDefinitions = Object.values(
    template.findResources('AWS::ECS::TaskDefinition'),
  ) as Resource[];
  const containers = taskDefinitions.flatMap(
    (task) => task.Properties.ContainerDefinitions as ContainerDefinition[],
  );
  const container = containers.find((c) => c.Name === name);
  if (!container) {
    throw new Error(`no container ${name}`);
  }
  return container;
}

function environmentOf(container: ContainerDefinition): Map<string, unknown> {
  return new Map((container.Environment ?? []).map((e) => [e.Name, e.Value]));
}

function taskRoleOf(template: Template, containerName: string): string {
  const tasks = template.findResources('AWS::ECS::TaskDefinition', {
    Properties: {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: containerName })]),
    },
  }) as Record<string, Resource>;
  const [task] = Object.values(tasks);
  const roleArn = task.Properties.TaskRoleArn as { 'Fn::GetAtt': [string, string] };
  return roleArn['Fn::GetAtt'][0];
}

/** Every action a role is allowed on a resource, through any policy attached to it. */
function actionsOn(template: Template, roleId: string, resource: unknown): Set<string> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
  const actions = new Set<string>();
  for (const policy of policies) {
    const roles = policy.Properties.Roles as unknown[];
    if (!roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }))) {
      continue;
    }
    const document = policy.Properties.PolicyDocument as { Statement: PolicyStatement[] };
    for (const statement of document.Statement) {
      const resources = Array.isArray(statement.Resource)
        ? (statement.Resource as unknown[])
        : [statement.Resource];
      const applies = resources.some(
        (r) => r === '*' || JSON.stringify(r) === JSON.stringify(resource),
      );
      if (statement.Effect === 'Allow' && applies) {
        for (const action of [statement.Action].flat()) {
          actions.add(action);
        }
      }
    }
  }
  return actions;
}

describe(PaymentsStack.name, () => {
  let template: Template;
  let dockerImages: Record<string, unknown>[];
  let queues: { sales: string; salesDlq: string; status: string; statusDlq: string };

  beforeAll(() => {
    ({ template, dockerImages } = synthesize());
    queues = {
      sales: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'sales' }),
      salesDlq: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'sales-dlq' }),
      status: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'payment-status' }),
      statusDlq: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'payment-status-dlq' }),
    };
  });

  it('should put everything in a two-AZ VPC with a single NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
  });

  it('should run Aurora MySQL 3 Serverless v2 with generated credentials', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-mysql',
      EngineVersion: Match.stringLikeRegexp('^8\\.0\\.mysql_aurora\\.3\\.'),
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      StorageEncrypted: true,
      EnableHttpEndpoint: true,
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    template.allResourcesProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
  });

  it("should create each app's database before its service starts", () => {
    const created = Object.values(template.findResources('Custom::AWS')).map((r) =>
      JSON.stringify(r),
    );
    for (const name of Object.values(DATABASES)) {
      expect(created.some((r) => r.includes(`CREATE DATABASE IF NOT EXISTS \`${name}\``))).toBe(
        true,
      );
    }
    const services = Object.values(template.findResources('AWS::ECS::Service'));
    for (const service of services) {
      expect(service.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^CreateCustomerDatabase/),
          expect.stringMatching(/^CreateSalesDatabase/),
        ]),
      );
    }
  });

  it('should create the two queues and their DLQs with redrive after 5 receives', () => {
    template.resourceCountIs('AWS::SQS::Queue', 4);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'sales',
      RedrivePolicy: { deadLetterTargetArn: arnOf(queues.salesDlq), maxReceiveCount: 10 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'payment-status',
      RedrivePolicy: { deadLetterTargetArn: arnOf(queues.statusDlq), maxReceiveCount: 10 },
    });
  });

  it('should run both apps on Fargate and put customer-api behind an internet-facing ALB', () => {
    template.resourceCountIs('AWS::ECS::Service', 2);
    template.allResourcesProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [Match.objectLike({ ContainerName: 'customer-api', ContainerPort: 3000 })],
    });
  });

  it('should check the target group on /health/ready', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: HEALTH_READY_PATH,
      Port: PORTS.customerApi,
      TargetType: 'ip',
    });
  });

  it('should scale sales-worker on the visible messages of the sales queue', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 1,
      MaxCapacity: 10,
    });
    const alarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queues.sales, 'QueueName'] } }],
      },
    });
    const stepPolicies = Object.keys(
      template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy', {
        Properties: { PolicyType: 'StepScaling' },
      }),
    );
    // One alarm to scale out, one to scale in, each driving a step scaling policy.
    expect(Object.keys(alarms)).toHaveLength(2);
    for (const alarm of Object.values(alarms) as Resource[]) {
      const [action] = alarm.Properties.AlarmActions as { Ref: string }[];
      expect(stepPolicies).toContain(action.Ref);
    }
  });

  it('should let customer-api send to sales and consume payment-status, nothing more', () => {
    const role = taskRoleOf(template, 'customer-api');
    expect(actionsOn(template, role, arnOf(queues.sales))).toEqual(
      new Set(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']),
    );
    expect(actionsOn(template, role, arnOf(queues.status))).toEqual(
      new Set([
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ]),
    );
    expect(actionsOn(template, role, arnOf(queues.statusDlq))).toContain('sqs:SendMessage');
    expect(actionsOn(template, role, arnOf(queues.salesDlq)).size).toBe(0);
    expect(actionsOn(template, role, '*').size).toBe(0);
  });

  it('should let sales-worker consume sales and send to sales-dlq and payment-status only', () => {
    const role = taskRoleOf(template, 'sales-worker');
    const onSales = actionsOn(template, role, arnOf(queues.sales));
    expect(onSales).toContain('sqs:ReceiveMessage');
    expect(onSales).toContain('sqs:DeleteMessage');
    expect(onSales).toContain('sqs:ChangeMessageVisibility');
    expect(onSales).not.toContain('sqs:SendMessage');
    expect(actionsOn(template, role, arnOf(queues.salesDlq))).toContain('sqs:SendMessage');
    const onStatus = actionsOn(template, role, arnOf(queues.status));
    expect(onStatus).toContain('sqs:SendMessage');
    expect(onStatus).not.toContain('sqs:ReceiveMessage');
    expect(actionsOn(template, role, arnOf(queues.statusDlq)).size).toBe(0);
    expect(actionsOn(template, role, '*').size).toBe(0);
  });

  it('should let queue-admin read and redrive the DLQs, and touch nothing else', () => {
    const role = taskRoleOf(template, 'queue-admin');
    for (const [queue, dlq] of [
      [queues.sales, queues.salesDlq],
      [queues.status, queues.statusDlq],
    ]) {
      const onDlq = actionsOn(template, role, arnOf(dlq));
      expect(onDlq).toContain('sqs:ReceiveMessage');
      expect(onDlq).toContain('sqs:StartMessageMoveTask');
      expect(onDlq).not.toContain('sqs:SendMessage');
      const onQueue = actionsOn(template, role, arnOf(queue));
      expect(onQueue).toContain('sqs:SendMessage');
      expect(onQueue).not.toContain('sqs:ReceiveMessage');
    }
    expect(actionsOn(template, role, '*').size).toBe(0);
  });

  it('should give ECS a stop timeout longer than the apps’ shutdown budget', () => {
    expect(STOP_TIMEOUT.toMilliseconds()).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS);
    for (const name of ['customer-api', 'sales-worker']) {
      const container = containerNamed(template, name);
      expect(container.StopTimeout).toBe(30);
      expect(environmentOf(container).get('SHUTDOWN_TIMEOUT_MS')).toBe(String(SHUTDOWN_TIMEOUT_MS));
    }
  });

  it('should send logs to log groups with a retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ LogConfiguration: { LogDriver: 'awslogs' } })],
    });
  });

  it('should point each app at its own database, with credentials from Secrets Manager', () => {
    const expected = [
      ['customer-api', DATABASES.customerApi],
      ['sales-worker', DATABASES.salesWorker],
    ] as const;
    for (const [name, database] of expected) {
      const container = containerNamed(template, name);
      const environment = environmentOf(container);
      expect(environment.get('DATABASE_NAME')).toBe(database);
      expect(environment.get('DATABASE_HOST')).toBeDefined();
      expect(environment.get('DATABASE_PORT')).toBeDefined();
      expect(environment.has('DATABASE_URL')).toBe(false);
      expect((container.Secrets ?? []).map((s) => s.Name).sort()).toEqual([
        'DATABASE_PASSWORD',
        'DATABASE_USER',
      ]);
    }
  });

  it("should give both apps their queues and the queues' maxReceiveCount", () => {
    for (const name of ['customer-api', 'sales-worker']) {
      const environment = environmentOf(containerNamed(template, name));
      expect(environment.get('MAX_RECEIVE_COUNT')).toBe('10');
      expect(environment.get('SALES_QUEUE')).toEqual({ Ref: queues.sales });
      expect(environment.get('PAYMENT_STATUS_QUEUE')).toEqual({ Ref: queues.status });
      expect(environment.has('SQS_ENDPOINT')).toBe(false);
    }
  });

  it('should build one image per app from docker/Dockerfile with APP as build argument', () => {
    const apps = dockerImages.map((image) => (image.dockerBuildArgs as { APP: string }).APP);
    expect(apps.sort()).toEqual(['customer-api', 'queue-admin', 'sales-worker']);
    for (const image of dockerImages) {
      expect(image.dockerFile).toBe('docker/Dockerfile');
    }
  });
});
