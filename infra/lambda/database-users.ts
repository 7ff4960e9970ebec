/**
 * Custom resource handler: creates each app's database and its own MySQL user, granted that
 * database only. It alone reads the cluster's master secret; the app tasks get their own user's
 * secret. Bundled by the stack with esbuild (the AWS SDK comes with the Lambda runtime).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createConnection, escape, escapeId } from 'mysql2/promise';

/** One app: its database and the secret holding its user's `username` and `password`. */
export interface AppDatabase {
  name: string;
  secretArn: string;
}

export interface DatabaseUsersProperties {
  MasterSecretArn: string;
  Host: string;
  Port: string;
  Collation: string;
  Databases: AppDatabase[];
}

interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: DatabaseUsersProperties;
}

interface Credentials {
  username: string;
  password: string;
}

const NAME = /^[a-z_][a-z0-9_]{0,31}$/;
const COLLATION = /^[a-z0-9_]{1,64}$/;

const secrets = new SecretsManagerClient({});

async function credentials(secretArn: string): Promise<Credentials> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const parsed = JSON.parse(SecretString ?? '{}') as Partial<Credentials>;
  if (!parsed.username || !parsed.password || !NAME.test(parsed.username)) {
    throw new Error(`secret ${secretArn} holds no usable username and password`);
  }
  return { username: parsed.username, password: parsed.password };
}

/** The statements for one app: idempotent, so an update (a rotated password) runs them again. */
export function statementsFor(database: string, user: Credentials, collation: string): string[] {
  if (!NAME.test(database) || !COLLATION.test(collation)) {
    throw new Error(`bad database name or collation: ${database} ${collation}`);
  }
  const account = `${escape(user.username)}@'%'`;
  const charset = collation.split('_')[0];
  return [
    `CREATE DATABASE IF NOT EXISTS ${escapeId(database)} CHARACTER SET ${charset} COLLATE ${collation}`,
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${escape(user.password)}`,
    `ALTER USER ${account} IDENTIFIED BY ${escape(user.password)}`,
    `GRANT ALL PRIVILEGES ON ${escapeId(database)}.* TO ${account}`,
  ];
}

export async function handler(event: CustomResourceEvent): Promise<{ PhysicalResourceId: string }> {
  const physicalId = 'payments-database-users';
  // Users and databases outlive the resource: deleting the stack snapshots the cluster.
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? physicalId };
  }
  const props = event.ResourceProperties;
  const master = await credentials(props.MasterSecretArn);
  const connection = await createConnection({
    host: props.Host,
    port: Number(props.Port),
    user: master.username,
    password: master.password,
    connectTimeout: 10_000,
  });
  try {
    for (const database of props.Databases) {
      const user = await credentials(database.secretArn);
      for (const sql of statementsFor(database.name, user, props.Collation)) {
        await connection.query(sql);
      }
    }
  } finally {
    await connection.end();
  }
  return { PhysicalResourceId: physicalId };
}
