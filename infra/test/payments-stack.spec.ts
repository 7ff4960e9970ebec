import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { APP_CONTEXT } from '../lib/app-context';
import {
  DATABASE_USERS,
  DATABASES,
  HEALTH_READY_PATH,
  PaymentsStack,
  PaymentsStackProps,
  PORTS,
  PUBLIC_PATHS,
  SHUTDOWN_TIMEOUT_MS,
  STOP_TIMEOUT,
  WAF_RATE_LIMIT,
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
  PortMappings?: unknown[];
  StopTimeout?: number;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
}

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');
const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000';

/**
 * One synthesis for the whole file, with the CDK's CloudFormation validation on as in `cdk synth`
 * (it caught a dependency cycle once). That validator, WebAssembly, takes most of the ~8 s and
 * makes the Jest worker slow to exit, hence Jest's "failed to exit gracefully" notice.
 */
function synthesize(): { template: Template; dockerImages: Record<string, unknown>[] } {
  const app = new App({ context: APP_CONTEXT });
  const stack = new PaymentsStack(app, 'Payments', {
    repositoryRoot: REPOSITORY_ROOT,
    certificateArn: CERTIFICATE_ARN,
    apiKeysSecretName: 'payments/api-keys',
  });
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
  let masterSecret: string;

  beforeAll(() => {
    ({ template, dockerImages } = synthesize());
    queues = {
      sales: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'sales' }),
      salesDlq: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'sales-dlq' }),
      status: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'payment-status' }),
      statusDlq: onlyLogicalId(template, 'AWS::SQS::Queue', { QueueName: 'payment-status-dlq' }),
    };
    masterSecret = onlyLogicalId(template, 'AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: JSON.stringify({ username: 'payments_admin' }),
      }),
    });
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
    });
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    template.allResourcesProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
  });

  it('should keep the Aurora Data API off', () => {
    const [cluster] = Object.values(template.findResources('AWS::RDS::DBCluster')) as Resource[];
    expect(cluster.Properties.EnableHttpEndpoint ?? false).toBe(false);
  });

  it("should create each app's database and own user, from inside the VPC, before its service", () => {
    const [users] = Object.values(template.findResources('Custom::DatabaseUsers')) as Resource[];
    const databases = users.Properties.Databases as { name: string; secretArn: { Ref: string } }[];
    expect(databases.map((d) => d.name).sort()).toEqual(Object.values(DATABASES).sort());
    // One generated secret per app user, none of them the master's.
    const secretIds = databases.map((d) => d.secretArn.Ref);
    expect(new Set(secretIds).size).toBe(2);
    expect(secretIds).not.toContain(masterSecret);
    for (const [database, user] of Object.entries(DATABASE_USERS)) {
      const id = databases.find((d) => d.name === database)?.secretArn.Ref as string;
      const secret = template.findResources('AWS::SecretsManager::Secret')[id] as Resource;
      expect(JSON.parse(JSON.stringify(secret.Properties.GenerateSecretString))).toMatchObject({
        SecretStringTemplate: JSON.stringify({ username: user }),
        GenerateStringKey: 'password',
      });
    }
    expect(users.Properties.MasterSecretArn).toEqual({ Ref: masterSecret });
    // The function that runs the statements sits in the VPC.
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
    const usersId = Object.keys(template.findResources('Custom::DatabaseUsers'))[0];
    for (const service of Object.values(template.findResources('AWS::ECS::Service'))) {
      expect(service.DependsOn).toContain(usersId);
    }
  });

  it('should give the master secret to no task: only the function that creates the users', () => {
    for (const task of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
      expect(JSON.stringify(task)).not.toContain(masterSecret);
    }
    const readers = (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(masterSecret))
      .flatMap((policy) => policy.Properties.Roles as { Ref: string }[])
      .map((role) => role.Ref);
    expect(readers).toHaveLength(1);
    const [functionRole] = (
      Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]
    )
      .filter((fn) => fn.Properties.VpcConfig !== undefined)
      .map((fn) => (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]);
    expect(readers).toEqual([functionRole]);
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

  it('should serve HTTPS only: 443 with the certificate, 80 a redirect to it', () => {
    const listeners = Object.values(
      template.findResources('AWS::ElasticLoadBalancingV2::Listener'),
    ) as Resource[];
    expect(listeners.map((l) => [l.Properties.Port, l.Properties.Protocol]).sort()).toEqual([
      [443, 'HTTPS'],
      [80, 'HTTP'],
    ]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
        },
      ],
    });
  });

  it("should forward only the API's own paths; the rest (metrics, health, docs) gets a 404", () => {
    const https = onlyLogicalId(template, 'AWS::ElasticLoadBalancingV2::Listener', { Port: 443 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
    const rules = Object.values(
      template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule'),
    ) as Resource[];
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.ListenerArn).toEqual({ Ref: https });
    expect(rules[0].Properties.Conditions).toEqual([
      { Field: 'path-pattern', PathPatternConfig: { Values: [...PUBLIC_PATHS] } },
    ]);
    expect(PUBLIC_PATHS.join(' ')).not.toMatch(/metrics|health|docs|openapi/);
    expect(rules[0].Properties.Actions).toEqual([expect.objectContaining({ Type: 'forward' })]);
  });

  it('should rate limit each client address across replicas with a WAF rule on the balancer', () => {
    const acl = onlyLogicalId(template, 'AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Statement: {
            RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP', Limit: WAF_RATE_LIMIT }),
          },
          Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        }),
      ],
    });
    const balancer = onlyLogicalId(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', {});
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: balancer },
      WebACLArn: arnOf(acl),
    });
  });

  it("should believe X-Forwarded-For only from the VPC (the balancer's nodes)", () => {
    const environment = environmentOf(containerNamed(template, 'customer-api'));
    const vpc = onlyLogicalId(template, 'AWS::EC2::VPC', {});
    expect(environment.get('TRUSTED_PROXIES')).toEqual({ 'Fn::GetAtt': [vpc, 'CidrBlock'] });
    expect(environment.get('NODE_ENV')).toBe('production');
    expect(environment.has('ALLOW_ANONYMOUS_API')).toBe(false);
  });

  it("should keep sales-worker's read API inside its container", () => {
    const worker = containerNamed(template, 'sales-worker');
    expect(worker.PortMappings ?? []).toEqual([]);
    expect(environmentOf(worker).get('HOST')).toBe('127.0.0.1');
    const service = Object.values(template.findResources('AWS::ECS::Service')).find(
      (s) => !(s as Resource).Properties.LoadBalancers,
    ) as Resource;
    const groups = (
      service.Properties.NetworkConfiguration as {
        AwsvpcConfiguration: { SecurityGroups: { 'Fn::GetAtt': [string] }[] };
      }
    ).AwsvpcConfiguration.SecurityGroups.map((g) => g['Fn::GetAtt'][0]);
    for (const group of groups) {
      const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [group, 'GroupId'] } },
      });
      expect(Object.keys(ingress)).toEqual([]);
      expect(
        (template.findResources('AWS::EC2::SecurityGroup')[group] as Resource).Properties
          .SecurityGroupIngress,
      ).toBeUndefined();
    }
  });

  it('should refuse to build without a certificate or API keys', () => {
    const props = { certificateArn: CERTIFICATE_ARN, apiKeysSecretName: 'payments/api-keys' };
    for (const missing of ['certificateArn', 'apiKeysSecretName'] as const) {
      const app = new App({ context: APP_CONTEXT });
      const partial = { ...props, [missing]: '' } as PaymentsStackProps;
      expect(() => new PaymentsStack(app, 'Payments', partial)).toThrow(new RegExp(missing));
    }
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
    // Three tasks, the database-users function and its custom resource provider.
    template.resourceCountIs('AWS::Logs::LogGroup', 5);
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
      const secrets = container.Secrets ?? [];
      expect(secrets.map((s) => s.Name).sort()).toEqual(
        name === 'customer-api'
          ? ['API_KEYS', 'DATABASE_PASSWORD', 'DATABASE_USER']
          : ['DATABASE_PASSWORD', 'DATABASE_USER'],
      );
      // The app's own user's secret.
      const own = JSON.stringify(secrets.find((s) => s.Name === 'DATABASE_USER')?.ValueFrom);
      expect(own).toContain(`DatabaseUsers${database}Secret`);
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
