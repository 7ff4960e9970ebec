/**
 * Operator commands for the queues, against AWS, LocalStack or the stand-in (help.ts says which
 * SQS it picks):
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
import { listDeadLetters, redriveDeadLetters } from '@app/messaging/dead-letters';
import { QueueDirectory } from '@app/messaging/queue-directory';
import { DEFAULT_QUEUE_SETUP, ensureQueues } from '@app/messaging/queue-setup';
import { createSqsClient } from '@app/messaging/sqs-client';
import { terminalSafe, terminalSafeJson } from './terminal-safe';
import { HELP } from './help';
import { resolveSqsTarget } from './local-stand-in';
import { table } from './table';

/** A mistake on the command line: the message and the help that fits, exit code 2. */
export class UsageError extends Error {}

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

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        queue: { type: 'string', default: SALES_QUEUE },
        id: { type: 'string', multiple: true },
        rate: { type: 'string', default: '10' },
        json: { type: 'boolean', default: false },
        max: { type: 'string', default: '100' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    const command = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
    throw new UsageError(`${(err as Error).message}\n\n${helpFor(command)}`);
  }
}

function helpFor([command, sub]: (string | undefined)[]): string {
  if (command === 'setup') {
    return HELP.setup;
  }
  if (command === 'dlq') {
    return sub === 'list' || sub === 'show' || sub === 'redrive' ? HELP[sub] : HELP.dlq;
  }
  return HELP.main;
}

/**
 * Runs one command. `out` gets what the command answers (stdout), `note` says which SQS it
 * acts on (stderr).
 */
export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  note: (line: string) => void = () => undefined,
  cwd = process.cwd(),
): Promise<void> {
  const { positionals, values } = parse(argv);
  if (values.help) {
    out(helpFor(positionals));
    return;
  }
  const [command, sub, arg] = positionals;
  const known =
    command === 'setup' || (command === 'dlq' && ['list', 'show', 'redrive'].includes(sub ?? ''));
  if (!known) {
    throw new UsageError(
      `${command ? `unknown command: ${positionals.join(' ')}` : 'no command given'}\n\n${helpFor(positionals)}`,
    );
  }
  if (sub === 'show' && !arg) {
    throw new UsageError(`dlq show needs a messageId\n\n${HELP.show}`);
  }
  const target = resolveSqsTarget(env, cwd);
  note(`queue-admin: ${target.description}`);
  const sqs = createSqsClient({ region: target.region, endpoint: target.endpoint });
  const names = {
    [SALES_QUEUE]: env.SALES_QUEUE ?? SALES_QUEUE,
    [PAYMENT_STATUS_QUEUE]: env.PAYMENT_STATUS_QUEUE ?? PAYMENT_STATUS_QUEUE,
  };
  try {
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
      table(
        ['QUEUE', 'URL', 'DEAD-LETTER QUEUE URL'],
        created.map((q) => [q.name, q.url, q.dlqUrl]),
      ).forEach(out);
      return;
    }
    if (!(values.queue in names)) {
      throw new UsageError(`--queue must be ${Object.keys(names).join(' or ')}`);
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
          if (letters.length > 0) {
            table(
              [
                'MESSAGE ID',
                'TYPE',
                'PAYMENT ID',
                'DEAD-LETTERED BY',
                'CODE',
                'ATTEMPTS',
                'REASON',
              ],
              letters.map((l) =>
                [
                  l.messageId,
                  l.type ?? '-',
                  l.paymentId ?? '-',
                  l.deadLetteredBy,
                  l.failureCode ?? '-',
                  String(l.attempts ?? '-'),
                  l.failureReason ?? '',
                ].map((field) => terminalSafe(field)),
              ),
            ).forEach(out);
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
        throw new UsageError(HELP.dlq);
    }
  } finally {
    sqs.destroy();
  }
}

if (require.main === module) {
  // The AWS SDK's notice that Node 20 is served until January 2027 is answered once, in the
  // README's Requirements and npm start's banner, not repeated by every operator command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  run(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
