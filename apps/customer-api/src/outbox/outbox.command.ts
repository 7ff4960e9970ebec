import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '@app/platform/config';
import { databaseUrlOf, dataSourceOptions } from '@app/platform/database';
import { CustomerApiEnvironment } from '../config/environment';
import { ENTITIES } from '../database/entities';
import { OutboxLeases } from './outbox-leases';

const USAGE = `usage: outbox parked [--max 100] [--json]
       outbox retry (--id <outboxId>)… | --all

parked  lists the outbox messages SQS refused OUTBOX_MAX_ATTEMPTS times
retry   puts them back in line with a fresh attempt budget; the running relays publish them
Reads the same DATABASE_URL / DATABASE_* / SQLITE_PATH as customer-api.`;

/**
 * The operator command for parked outbox messages, an entry of customer-api itself (it owns
 * the outbox table): `npm run outbox -- parked`, or in a container
 * `node dist/apps/customer-api/main.js outbox parked`. Answers the exit code.
 */
export async function runOutboxCommand(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      max: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
    },
  });
  const [command] = positionals;
  const retryIds = values.id ?? [];
  if (
    (command !== 'parked' && command !== 'retry') ||
    (command === 'retry' && retryIds.length === 0 && !values.all)
  ) {
    out(USAGE);
    return 2;
  }
  // The operator's command serves no HTTP: production's rule that the API needs keys is not its.
  const env = validateEnvironment(CustomerApiEnvironment)(process.env);
  const dataSource = new DataSource({
    ...dataSourceOptions({
      url: databaseUrlOf(env),
      sqlitePath: env.SQLITE_PATH,
      poolSize: 1,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      entities: ENTITIES,
      migrations: [],
    }),
    // The app owns the schema; this command only reads and updates rows.
    synchronize: false,
  });
  await dataSource.initialize();
  try {
    const leases = new OutboxLeases(dataSource);
    if (command === 'retry') {
      const count = await leases.retry(values.all ? undefined : retryIds);
      out(values.json ? JSON.stringify({ retried: count }) : `${count} parked messages retried`);
      return 0;
    }
    const parked = await leases.parked(Math.max(1, Number(values.max) || 100));
    if (values.json) {
      out(JSON.stringify(parked));
    } else if (parked.length === 0) {
      out('no parked outbox messages');
    } else {
      for (const row of parked) {
        out(
          `${row.id}  ${row.destination}  attempts=${row.attempts}  ` +
            `parked=${row.parkedAt.toISOString()}  ${row.lastError ?? ''}`,
        );
      }
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}
