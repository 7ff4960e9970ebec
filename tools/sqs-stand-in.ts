/**
 * The embedded SQS stand-in (fauxqs) on 127.0.0.1. Used by `npm start` (in the launcher's own
 * process) and by the tests (as a child process they can stop and start). fauxqs is an ES module,
 * hence the dynamic import.
 */
export interface SqsStandIn {
  endpoint: string;
  close(): Promise<void>;
}

/** The part of fauxqs used here (its published types do not resolve under CommonJS). */
interface FauxqsModule {
  buildApp(options: { logger: boolean; defaultRegion: string }): {
    listen(options: { host: string; port: number }): Promise<string>;
    close(): Promise<void>;
  };
}

export async function startSqsStandIn(port: number, region = 'us-east-1'): Promise<SqsStandIn> {
  const fauxqs = (await import('fauxqs')) as unknown as FauxqsModule;
  const app = fauxqs.buildApp({ logger: false, defaultRegion: region });
  await app.listen({ host: '127.0.0.1', port });
  return { endpoint: `http://127.0.0.1:${port}`, close: () => app.close() };
}

if (require.main === module) {
  const port = Number(process.env.SQS_PORT ?? 4566);
  startSqsStandIn(port)
    .then((standIn) => {
      process.stdout.write(`sqs stand-in listening on ${standIn.endpoint}\n`);
      const stop = (): void => void standIn.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      if (process.env.SQS_EXIT_WITH_PARENT) {
        // Started by a test run: never outlive it, even when it dies without cleaning up.
        process.stdin.on('end', stop).resume();
      }
    })
    .catch((err: unknown) => {
      process.stderr.write(`sqs stand-in failed to start: ${String(err)}\n`);
      process.exit(1);
    });
}
