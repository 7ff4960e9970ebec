// CI stand-in for LocalStack's SQS: fauxqs on 0.0.0.0:4566, plus LocalStack's health path.
// Queue URLs follow the Host the client used (http://localstack:4566/...), as LocalStack's do.
import { buildApp } from 'fauxqs';

const port = Number(process.env.PORT ?? 4566);
const app = buildApp({ logger: false, defaultRegion: process.env.AWS_REGION ?? 'us-east-1' });
app.get('/_localstack/health', async () => ({
  services: { sqs: 'running' },
  edition: 'stand-in (fauxqs), not LocalStack',
}));
await app.listen({ host: '0.0.0.0', port });
console.log(`[stand-in] fauxqs answering as LocalStack SQS on :${port}`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
