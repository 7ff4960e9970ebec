import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { eventually, testSqsClient } from '../../../tools/testing/queues';
import { Harness, startCustomerApi } from './customer-api.harness';

/** Probes and scrapes are public-ish and frequent: what each one costs the dependencies. */
describe('customer-api operations endpoints cost', () => {
  let api: Harness | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await api?.close();
    api = undefined;
  });

  const start = (overrides: Record<string, string>): Promise<Harness> =>
    startCustomerApi('sqlite', testSqsClient(), process.env.TEST_SQS_ENDPOINT as string, overrides);

  /** Counts (and still runs) what readiness checks send to the database: `SELECT 1`. */
  const countPings = (harness: Harness): (() => number) => {
    const query = jest.spyOn(harness.dataSource, 'query');
    return () => query.mock.calls.filter(([sql]) => /SELECT 1/i.test(sql)).length;
  };

  it('should answer a burst of /health/ready from one cached check', async () => {
    // Long enough that a loaded machine cannot outlast it within the burst.
    const harness = (api = await start({ READINESS_CACHE_MS: '60000' }));
    const pings = countPings(harness);
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => harness.http().get('/health/ready')),
    );
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (let i = 0; i < 10; i++) {
      await harness.http().get('/health/ready').expect(200);
    }
    expect(pings()).toBe(1);
  });

  it('should check again once the cached result is older than READINESS_CACHE_MS', async () => {
    const harness = (api = await start({ READINESS_CACHE_MS: '200' }));
    const pings = countPings(harness);
    await harness.http().get('/health/ready').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await harness.http().get('/health/ready').expect(200);
    expect(pings()).toBe(2);
  });

  it('should serve /metrics from sampled queue depths, calling SQS on the interval only', async () => {
    const harness = (api = await start({ QUEUE_DEPTH_SAMPLE_INTERVAL_MS: '600000' }));
    // The first sample, taken at start-up: both queues and both DLQs.
    await eventually(async () => {
      const { text } = await harness.http().get('/metrics').expect(200);
      return (text.match(/sqs_queue_messages\{queue="[^"]+",state="visible"\} \d+/g) ?? [])
        .length === 4
        ? true
        : undefined;
    });
    const send = jest.spyOn(api.app.get(SQSClient), 'send');
    const depthReads = (): number =>
      send.mock.calls.filter(
        ([command]) =>
          command instanceof GetQueueAttributesCommand &&
          (command.input.AttributeNames ?? []).includes('ApproximateNumberOfMessages'),
      ).length;

    for (let i = 0; i < 10; i++) {
      await api.http().get('/metrics').expect(200);
    }
    expect(depthReads()).toBe(0);
  });
});
