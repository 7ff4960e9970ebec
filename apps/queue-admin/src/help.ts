const ENVIRONMENT = `which SQS: SQS_ENDPOINT if set; else the stand-in of an \`npm start\` running in this
checkout (data/launcher.json); else AWS, when AWS_PROFILE, AWS_REGION or credentials are set.
It says which on stderr. Other variables: SALES_QUEUE, PAYMENT_STATUS_QUEUE (names or URLs).`;

/** Help for each command, shown by `--help` (or `-h`) anywhere on the command line. */
export const HELP = {
  main: `usage: queue-admin <command> [options]      (from a checkout: npm run dlq -- <command>)

commands:
  setup          create the queues and their dead-letter queues (idempotent)
  dlq list       what a dead-letter queue holds, with reason and attempts
  dlq show       one dead letter in full
  dlq redrive    move dead letters back to their queue

queue-admin <command> --help shows a command's options.

${ENVIRONMENT}`,
  setup: `usage: queue-admin setup

Creates the queues and their dead-letter queues with the redrive policy; safe to run again.
environment: MAX_RECEIVE_COUNT (5), VISIBILITY_TIMEOUT_SECONDS (30)

${ENVIRONMENT}`,
  dlq: `usage: npm run dlq -- <list|show|redrive> [options]

  list      [--queue sales|payment-status] [--max 100] [--json]
  show      <messageId> [--queue …]
  redrive   [--queue …] [--id <messageId>]… [--rate 10]

npm run dlq -- <subcommand> --help shows one subcommand's options.

${ENVIRONMENT}`,
  list: `usage: npm run dlq -- list [--queue sales|payment-status] [--max <n>] [--json]

Lists what the queue's dead-letter queue holds without removing anything (messages become
visible again after the visibility timeout).
  --queue   sales (default) or payment-status
  --max     at most this many messages (default 100); says so when the list may be cut
  --json    one JSON object per line instead of a table

${ENVIRONMENT}`,
  show: `usage: npm run dlq -- show <messageId> [--queue sales|payment-status]

Prints one dead letter as JSON: attributes, failure reason, attempts and body.

${ENVIRONMENT}`,
  redrive: `usage: npm run dlq -- redrive [--queue sales|payment-status] [--id <messageId>]… [--rate <n>]

Moves dead letters back to their queue: every message the DLQ held when it began, or only the
--id ones. On AWS it starts a message move task; elsewhere it moves them itself.
  --rate    messages per second (default 10)

${ENVIRONMENT}`,
};
