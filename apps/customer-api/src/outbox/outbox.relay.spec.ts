import { SQSClient } from '@aws-sdk/client-sqs';
import { Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { SALES_QUEUE } from '@app/contracts';
import { QueueDirectory } from '@app/messaging/queue-directory';
import { databaseKinds, TestDatabase } from '../../../../tools/testing/databases';
import {
  createTestQueues,
  receiveAll,
  testSqsClient,
  TestQueues,
} from '../../../../tools/testing/queues';
import { loadEnvironment } from '../config/environment.module';
import { openCustomerDatabase } from '../../test/customer-database';
import { OutboxLeases } from './outbox-leases';
import { OutboxMessage } from './outbox-message.entity';
import { SqsOutboxPublisher } from './outbox.publisher';
import { OutboxRelay } from './outbox.relay';

const BATCH_SIZE = 5;

async function commitRows(
  dataSource: DataSource,
  bodies: string[],
  lease?: { owner: string; until: Date },
): Promise<void> {
  for (const body of bodies) {
    await dataSource.manager.insert(
      OutboxMessage,
      Object.assign(new OutboxMessage(), {
        id: uuidv7(),
        destination: SALES_QUEUE,
        body,
        attributes: '{}',
        attempts: 0,
        leaseOwner: lease?.owner ?? null,
        leaseUntil: lease?.until ?? null,
        parkedAt: null,
        lastError: null,
        createdAt: new Date(),
      }),
    );
  }
}

describe.each(databaseKinds())(`${OutboxRelay.name} (%s)`, (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sqs: SQSClient;
  let queues: TestQueues;
  let publisher: SqsOutboxPublisher;

  /** A relay as a replica of customer-api runs it, with its own owner id. */
  function relay(): OutboxRelay {
    const env = loadEnvironment({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      OUTBOX_BATCH_SIZE: String(BATCH_SIZE),
    });
    const latency = new Histogram({ name: 'latency', help: 'latency', registers: [] });
    return new OutboxRelay(new OutboxLeases(dataSource), publisher, env, latency);
  }

  beforeEach(async () => {
    ({ db, dataSource } = await openCustomerDatabase(kind, 'outbox-relay'));
    sqs = testSqsClient();
    queues = await createTestQueues(sqs);
    const directory = await QueueDirectory.resolve(sqs, { [SALES_QUEUE]: queues.sales.url });
    publisher = new SqsOutboxPublisher(sqs, directory);
  });

  afterEach(async () => {
    await dataSource.destroy();
    await db.drop();
    sqs.destroy();
  });

  it('should publish each committed row once and delete it, four relays draining together', async () => {
    const bodies = Array.from({ length: 63 }, (_, i) => `payment ${i}`);
    await commitRows(dataSource, bodies);
    // flush: the shutdown's last drain, run here by four replicas at once.
    await Promise.all([relay(), relay(), relay(), relay()].map((r) => r.flush(20_000)));
    const received = await receiveAll(sqs, queues.sales.url);
    expect(received.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    await expect(dataSource.manager.count(OutboxMessage)).resolves.toBe(0);
  });

  it('should publish the rows of a relay that died once their lease ran out, not those of a live one', async () => {
    await commitRows(dataSource, ['left by a dead relay'], {
      owner: 'relay-dead',
      until: new Date(Date.now() - 1_000),
    });
    await commitRows(dataSource, ['held by a live relay'], {
      owner: 'relay-alive',
      until: new Date(Date.now() + 60_000),
    });
    await relay().flush(20_000);
    const received = await receiveAll(sqs, queues.sales.url);
    expect(received.map((m) => m.Body)).toEqual(['left by a dead relay']);
    const left = await dataSource.manager.find(OutboxMessage);
    expect(left.map((row) => [row.body, row.leaseOwner])).toEqual([
      ['held by a live relay', 'relay-alive'],
    ]);
  });
});
