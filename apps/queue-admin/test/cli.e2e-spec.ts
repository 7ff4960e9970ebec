import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTestQueues, testSqsClient } from '../../../tools/testing/queues';
import { run, UsageError } from '../src/main';

/** An environment with no AWS settings at all, as on a fresh laptop. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { HOME: mkdtempSync(join(tmpdir(), 'home-')), PATH: process.env.PATH, ...extra };
}

describe('queue-admin command line', () => {
  let sqs: SQSClient;

  beforeAll(() => {
    sqs = testSqsClient();
  });

  afterAll(() => sqs.destroy());

  it.each([
    [['--help'], 'usage: queue-admin <command>'],
    [['setup', '--help'], 'usage: queue-admin setup'],
    [['dlq', '--help'], 'usage: npm run dlq -- <list|show|redrive>'],
    [['dlq', 'list', '--help'], 'usage: npm run dlq -- list'],
    [['dlq', 'show', '-h'], 'usage: npm run dlq -- show'],
    [['dlq', 'redrive', '--help'], 'usage: npm run dlq -- redrive'],
  ])('should print help for %j without touching SQS', async (argv, first) => {
    const out: string[] = [];
    await run(argv, bareEnv({}), (line) => out.push(line));
    expect(out.join('\n').slice(0, first.length)).toBe(first);
  });

  it('should answer a mistake with what went wrong and the help that fits', async () => {
    await expect(run(['dlq', 'list', '--nope'], bareEnv({}), () => undefined)).rejects.toThrow(
      UsageError,
    );
    await expect(run(['dlq', 'lst'], bareEnv({}), () => undefined)).rejects.toThrow(
      /unknown command: dlq lst[\s\S]*usage: npm run dlq/,
    );
  });

  it('should find the stand-in of a running npm start, and say so', async () => {
    const queues = await createTestQueues(sqs);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.sales.dlqUrl,
        Entries: [{ Id: '1', MessageBody: '{"type":"payment.recorded","paymentId":"p-9"}' }],
      }),
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'launcher-'));
    const endpoint = String(process.env.TEST_SQS_ENDPOINT);
    writeFileSync(
      join(dataDir, 'launcher.json'),
      JSON.stringify({ pid: process.pid, region: 'us-east-1', sqsEndpoint: endpoint }),
    );
    const env = bareEnv({
      DATA_DIR: dataDir,
      SALES_QUEUE: queues.sales.url,
      PAYMENT_STATUS_QUEUE: queues.paymentStatus.url,
    });
    const out: string[] = [];
    const notes: string[] = [];
    await run(
      ['dlq', 'list'],
      env,
      (line) => out.push(line),
      (line) => notes.push(line),
    );
    expect(notes).toEqual([
      `queue-admin: the local SQS stand-in of npm start (pid ${process.pid}) at ${endpoint}`,
    ]);
    expect(out[0]).toBe(`1 message(s) in ${queues.sales.name}-dlq`);
    expect(out[1].split(/ {2,}/)).toEqual([
      'MESSAGE ID',
      'TYPE',
      'PAYMENT ID',
      'DEAD-LETTERED BY',
      'CODE',
      'ATTEMPTS',
      'REASON',
    ]);
    expect(out[2]).toContain('p-9');
  });

  it('should refuse to guess when nothing names an SQS, rather than reach for AWS', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'launcher-'));
    // A launcher that is gone (a pid that cannot be alive) does not count.
    writeFileSync(
      join(dataDir, 'launcher.json'),
      JSON.stringify({ pid: 2 ** 22 + 1, region: 'us-east-1', sqsEndpoint: 'http://127.0.0.1:1' }),
    );
    await expect(
      run(['dlq', 'list'], bareEnv({ DATA_DIR: dataDir }), () => undefined),
    ).rejects.toThrow(/no SQS to talk to: run it beside `npm start`/);
  });
});
