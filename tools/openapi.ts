/**
 * `npm run openapi`: writes each app's OpenAPI document, as the app serves it at /openapi.json,
 * to docs/openapi/<app>.json, and the TypeScript types that openapi-typescript generates from it
 * to docs/openapi/<app>.d.ts (what a typed client such as openapi-fetch uses). `--check` writes
 * nothing and fails when either differs from what the code produces (.ci/run); the e2e tests
 * also compare the served document with the committed one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { DEFAULT_QUEUE_SETUP, ensureQueues } from '@app/messaging/queue-setup';
import { createSqsClient } from '@app/messaging/sqs-client';
import { build } from './build';
import { AppProcess } from './launcher/app-process';
import { startSqsStandIn } from './sqs-stand-in';
import openapiTS, { astToString } from 'openapi-typescript';
import { documentText } from './openapi-text';
import { freePort } from './testing/ports';

export const OPENAPI_DIR = join(__dirname, '..', 'docs', 'openapi');

/** The types openapi-typescript generates from a document, with a header saying so. */
async function typesText(document: object): Promise<string> {
  const types = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
  return `// Generated from the .json beside this file by \`npm run openapi\` (openapi-typescript).\n${types}`;
}

/** Writes `file`, or with --check only compares and reports a difference. */
function put(file: string, text: string, check: boolean, stale: string[]): void {
  if (!check) {
    writeFileSync(file, text);
  } else if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    stale.push(relative(join(__dirname, '..'), file));
  }
}

/** Each app built and run as a process, as users reach it: its document over HTTP. */
async function main(check: boolean): Promise<void> {
  const stale: string[] = [];
  await build();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sqsServer = await startSqsStandIn(await freePort());
  const sqs = createSqsClient({ region: 'us-east-1', endpoint: sqsServer.endpoint });
  await ensureQueues(sqs, [SALES_QUEUE, PAYMENT_STATUS_QUEUE], DEFAULT_QUEUE_SETUP);
  sqs.destroy();
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    for (const name of ['customer-api', 'sales-worker']) {
      const port = await freePort();
      const app = new AppProcess(
        {
          name,
          host: '127.0.0.1',
          port,
          main: join(__dirname, '..', 'dist', 'apps', name, 'main.js'),
          nodeFlags: [],
          env: {
            NODE_ENV: 'test',
            HOST: '127.0.0.1',
            PORT: String(port),
            LOG_FORMAT: 'json',
            LOG_LEVEL: 'info', // the launcher's readiness reads the 'listening on' line
            SQS_ENDPOINT: sqsServer.endpoint,
            SQS_WAIT_TIME_SECONDS: '1',
            SQLITE_PATH: join(dir, `${name}.sqlite`),
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
        { verbose: false, write: (line) => process.stderr.write(`${line}\n`) },
      );
      app.start();
      try {
        await app.waitReady();
        const document = (await (await fetch(`${app.url}/openapi.json`)).json()) as object;
        put(join(OPENAPI_DIR, `${name}.json`), documentText(document), check, stale);
        put(join(OPENAPI_DIR, `${name}.d.ts`), await typesText(document), check, stale);
        process.stdout.write(`${check ? 'checked' : 'wrote'} docs/openapi/${name}.{json,d.ts}\n`);
      } finally {
        await app.stop();
      }
    }
  } finally {
    await sqsServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (stale.length > 0) {
    throw new Error(`out of date (run npm run openapi and commit): ${stale.join(', ')}`);
  }
}

if (require.main === module) {
  main(process.argv.includes('--check')).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
