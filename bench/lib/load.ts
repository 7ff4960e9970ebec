import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { PaymentBody, Totals } from './payloads';
import { LatencySummary, summarize } from './stats';

export interface LoadResult {
  mode: 'closed-loop' | 'open-loop';
  connections: number;
  /** Offered arrival rate (open loop only), requests/s. */
  targetRate?: number;
  /** Measured length of the run, seconds. */
  durationS: number;
  sent: number;
  /** Answers by status code. */
  status: Record<string, number>;
  /** Answers with the expected status. */
  ok: number;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  /** `ok` answers per second. */
  throughput: number;
  /** Latency of the `ok` answers, ms. */
  latencyMs: LatencySummary;
}

export interface LoadOptions {
  url: string;
  path: string;
  /** Each request's body; omitted, the request has no body. */
  body?: () => PaymentBody;
  expectStatus: number;
  /** Answers with `expectStatus` are added here, to check the sales DB against later. */
  totals?: Totals;
  connections: number;
}

/**
 * Closed loop through autocannon: `connections` clients, each sending its next request as soon
 * as the previous one is answered, for `durationS` seconds or `amount` requests. Latencies are
 * taken from autocannon's response events (ms as measured, not rounded to its histogram).
 */
export async function closedLoop(
  options: LoadOptions & { durationS?: number; amount?: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  const { body, totals, expectStatus } = options;
  let settle!: (result: autocannon.Result) => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url: `${options.url}${options.path}`,
      connections: options.connections,
      pipelining: 1,
      // autocannon takes an explicit `undefined` as a value: pass only the bound in use.
      ...(options.amount !== undefined
        ? { amount: options.amount }
        : { duration: options.durationS }),
      timeout: 30,
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': 'application/json' } : {},
      requests: [
        {
          // One request in flight per connection: its context holds that request's body until
          // the answer arrives, and the next setupRequest starts from a fresh context.
          setupRequest: (req, context) => {
            if (!body) {
              return req;
            }
            const payload = body();
            (context as { payload?: PaymentBody }).payload = payload;
            return { ...req, body: JSON.stringify(payload) };
          },
          onResponse: (code, _body, context) => {
            const payload = (context as { payload?: PaymentBody }).payload;
            if (code === expectStatus && payload && totals) {
              totals.add(payload);
            }
          },
        },
      ],
    },
    (err: unknown, result: autocannon.Result) => (err ? fail(err) : settle(result)),
  );
  instance.on('response', (_client, code, _bytes, responseTime) => {
    status[code] = (status[code] ?? 0) + 1;
    if (code === expectStatus) {
      latencies.push(responseTime);
    }
  });
  const result = await done;
  const ok = status[expectStatus] ?? 0;
  const sent = Object.values(status).reduce((a, b) => a + b, 0) + result.errors;
  return {
    mode: 'closed-loop',
    connections: options.connections,
    durationS: result.duration,
    sent,
    status,
    ok,
    errors: result.errors,
    throughput: ok / result.duration,
    latencyMs: summarize(latencies),
  };
}

/**
 * Open loop: requests start on a fixed schedule (`rate` per second) whatever the answers do, over
 * up to `connections` keep-alive sockets. Latency runs from each request's scheduled start, so
 * time spent waiting for a free socket counts (no coordinated omission).
 */
export async function openLoop(
  options: LoadOptions & { rate: number; durationS: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const url = new URL(options.url);
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationS);

  const fire = (scheduledAt: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const payload = options.body?.();
      const data = payload ? JSON.stringify(payload) : undefined;
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: options.path,
          method: payload ? 'POST' : 'GET',
          headers: data
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
            : {},
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            status[code] = (status[code] ?? 0) + 1;
            if (code === options.expectStatus) {
              latencies.push(performance.now() - scheduledAt);
              if (payload && options.totals) {
                options.totals.add(payload);
              }
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(data);
    });

  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) {
        const p = fire(start + sent * intervalMs);
        inFlight.add(p);
        void p.then(() => inFlight.delete(p));
        sent += 1;
      }
      if (sent >= total) {
        resolve();
      } else {
        setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
      }
    };
    tick();
  });
  await Promise.all(inFlight);
  const durationS = (performance.now() - start) / 1000;
  agent.destroy();
  const ok = status[options.expectStatus] ?? 0;
  return {
    mode: 'open-loop',
    connections: options.connections,
    targetRate: options.rate,
    durationS,
    sent,
    status,
    ok,
    errors,
    throughput: ok / durationS,
    latencyMs: summarize(latencies),
  };
}
