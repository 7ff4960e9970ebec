import * as path from 'node:path';
import { CustomResource, Duration, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { DatabaseUsersProperties } from '../lambda/database-users';

/** The one line that says how every app database is created. */
export const DATABASE_COLLATION = 'utf8mb4_bin';

export interface DatabaseUsersProps {
  cluster: rds.DatabaseCluster;
  /** The cluster's master secret: read by this construct's function, by nothing else. */
  masterSecret: secretsmanager.ISecret;
  vpc: ec2.IVpc;
  /** database name → the MySQL user that owns it. */
  databases: Record<string, string>;
  logRetention: logs.RetentionDays;
}

/**
 * Each app's database and its own MySQL user (a generated password in a secret of its own,
 * granted that database only), made by a function inside the VPC that alone can read the master
 * secret. The Data API stays off: nothing outside the VPC speaks SQL to the cluster.
 */
export class DatabaseUsers extends Construct {
  /** database name → the secret holding its user's username and password. */
  readonly secrets: Record<string, rds.DatabaseSecret> = {};
  readonly resource: CustomResource;
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: DatabaseUsersProps) {
    super(scope, id);
    for (const [database, username] of Object.entries(props.databases)) {
      this.secrets[database] = new rds.DatabaseSecret(this, `${database}Secret`, { username });
    }
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', 'lambda', 'database-users.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      timeout: Duration.minutes(2),
      memorySize: 256,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      logGroup: new logs.LogGroup(this, 'FunctionLogs', { retention: props.logRetention }),
      bundling: { minify: true, sourceMap: false, target: 'node22' },
    });
    props.masterSecret.grantRead(this.function);
    for (const secret of Object.values(this.secrets)) {
      secret.grantRead(this.function);
    }
    props.cluster.connections.allowDefaultPortFrom(this.function);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: props.logRetention }),
    });
    const properties: DatabaseUsersProperties = {
      MasterSecretArn: props.masterSecret.secretArn,
      Host: props.cluster.clusterEndpoint.hostname,
      Port: Tokenization.stringifyNumber(props.cluster.clusterEndpoint.port),
      Collation: DATABASE_COLLATION,
      Databases: Object.entries(this.secrets).map(([name, secret]) => ({
        name,
        secretArn: secret.secretArn,
      })),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DatabaseUsers',
      properties,
    });
    // The instances, not only the cluster, must be up before a statement can run.
    this.resource.node.addDependency(props.cluster);
  }
}
