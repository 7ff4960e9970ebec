import { createConnection } from 'mysql2/promise';
import { SqsProcess } from './processes';

declare global {
  var __SQS_STAND_IN__: SqsProcess | undefined;
}

/**
 * One SQS stand-in for the whole run (tests use their own queue names), and, when
 * TEST_MYSQL_URL is set, a check that MySQL answers: the MySQL path must fail loudly, never skip.
 */
export default async function globalSetup(): Promise<void> {
  // This machine's Node 20 is supported by the SDK versions we pin; the image runs Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const url = process.env.TEST_MYSQL_URL;
  if (url) {
    try {
      const connection = await createConnection({ uri: url, connectTimeout: 5_000 });
      await connection.query('SELECT 1');
      await connection.end();
    } catch (err) {
      throw new Error(`TEST_MYSQL_URL is set but MySQL is not reachable at it: ${String(err)}`);
    }
  }
  if (!process.env.TEST_SQS_ENDPOINT) {
    const sqs = await SqsProcess.start();
    globalThis.__SQS_STAND_IN__ = sqs;
    process.env.TEST_SQS_ENDPOINT = sqs.endpoint;
  }
}
