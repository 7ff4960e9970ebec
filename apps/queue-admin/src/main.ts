/**
 * Operator commands for the queues, against AWS, LocalStack or the stand-in (SQS_ENDPOINT):
 *
 *   queue-admin setup                          create the queues and their DLQs (idempotent)
 *   queue-admin dlq list [--queue sales] [--max 100]  what a DLQ holds, with reason and attempts
 *   queue-admin dlq show <messageId> [--queue sales]
 *   queue-admin dlq redrive [--queue sales] [--id <messageId> …] [--rate 10]
 *
 * `npm run dlq -- list` runs it from a checkout; in a container: node dist/apps/queue-admin/main.js.
 */
import { parseArgs } from 'node:util';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import {
  createSqsClient,
  DEFAULT_QUEUE_SETUP,
  ensureQueues,
  listDeadLetters,
  QueueDirectory,
  redriveDeadLetters,
} from '@app/messaging';
import { terminalSafe, terminalSafeJson } from './terminal-safe';

const USAGE = `usage:
  queue-admin setup
  queue-admin dlq list [--queue sales|payment-status] [--max <messages>] [--json]
  queue-admin dlq show <messageId> [--queue …]
  queue-admin dlq redrive [--queue …] [--id <messageId>]… [--rate <messages/s>]
environment: AWS_REGION, SQS_ENDPOINT, SALES_QUEUE, PAYMENT_STATUS_QUEUE, MAX_RECEIVE_COUNT,
             VISIBILITY_TIMEOUT_SECONDS`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  }
  return value;
}

export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queue: { type: 'string', default: SALES_QUEUE },
      id: { type: 'string', multiple: true },
      rate: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      max: { type: 'string', default: '100' },
    },
  });
  const sqs = createSqsClient({
    region: env.AWS_REGION ?? 'us-east-1',
    endpoint: env.SQS_ENDPOINT,
  });
  const names = {
    [SALES_QUEUE]: env.SALES_QUEUE ?? SALES_QUEUE,
    [PAYMENT_STATUS_QUEUE]: env.PAYMENT_STATUS_QUEUE ?? PAYMENT_STATUS_QUEUE,
  };
  try {
    const [command, sub, arg] = positionals;
    if (command === 'setup') {
      const created = await ensureQueues(sqs, Object.values(names), {
        ...DEFAULT_QUEUE_SETUP,
        maxReceiveCount: positiveInt(
          'MAX_RECEIVE_COUNT',
          env.MAX_RECEIVE_COUNT,
          DEFAULT_QUEUE_SETUP.maxReceiveCount,
        ),
        visibilityTimeoutSeconds: positiveInt(
          'VISIBILITY_TIMEOUT_SECONDS',
          env.VISIBILITY_TIMEOUT_SECONDS,
          DEFAULT_QUEUE_SETUP.visibilityTimeoutSeconds,
        ),
      });
      created.forEach((q) => out(`${q.name}\t${q.url}\tdlq ${q.dlqUrl}`));
      return;
    }
    if (command !== 'dlq' || !sub) {
      throw new Error(USAGE);
    }
    if (!(values.queue in names)) {
      throw new Error(`--queue must be ${Object.keys(names).join(' or ')}`);
    }
    const queue = (await QueueDirectory.resolve(sqs, names)).get(values.queue);
    switch (sub) {
      case 'list': {
        const max = positiveInt('--max', values.max, 100);
        const letters = await listDeadLetters(sqs, queue.deadLetterUrl, max);
        if (values.json) {
          // Bodies and attributes are anyone's input: nothing in them reaches the terminal raw.
          letters.forEach((l) => out(terminalSafeJson(l)));
        } else {
          const more = letters.length >= max ? ` (the first ${max}; --max for more)` : '';
          out(`${letters.length} message(s) in ${queue.name}-dlq${more}`);
          for (const l of letters) {
            out(
              [
                l.messageId,
                l.type ?? '-',
                l.paymentId ?? '-',
                l.deadLetteredBy,
                l.failureCode ?? '-',
                l.attempts ?? '-',
                l.failureReason ?? '',
              ]
                .map((field) => terminalSafe(String(field)))
                .join('\t'),
            );
          }
        }
        return;
      }
      case 'show': {
        const letter = (await listDeadLetters(sqs, queue.deadLetterUrl, 1000)).find(
          (l) => l.messageId === arg,
        );
        if (!letter) {
          throw new Error(`no message ${terminalSafe(String(arg))} in ${queue.name}-dlq`);
        }
        out(terminalSafeJson(letter, 2));
        return;
      }
      case 'redrive': {
        const result = await redriveDeadLetters(sqs, {
          deadLetterUrl: queue.deadLetterUrl,
          sourceUrl: queue.url,
          messageIds: values.id ? new Set(values.id) : undefined,
          ratePerSecond: positiveInt('--rate', values.rate, 10),
        });
        out(
          result.method === 'StartMessageMoveTask'
            ? `move task ${String(result.taskHandle)} started: ${queue.name}-dlq → ${queue.name}`
            : `moved ${result.moved} message(s): ${queue.name}-dlq → ${queue.name}`,
        );
        return;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    sqs.destroy();
  }
}

if (require.main === module) {
  run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).catch(
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
