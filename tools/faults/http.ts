import { Agent, IncomingHttpHeaders, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string | string[]>;
  /** Sent as is: a string is UTF-8, a Buffer lets the fuzzer send any bytes. */
  body?: string | Buffer;
  timeoutMs?: number;
}

/**
 * Why a call got no answer. `refused`: no connection was made, so the server never saw the
 * request and a client may send it again safely; `no-answer`: the request may or may not have
 * been processed (reset, timeout), the case idempotency keys exist for.
 */
export class HttpFailure extends Error {
  constructor(
    readonly kind: 'refused' | 'no-answer',
    readonly code: string,
  ) {
    super(`${kind}: ${code}`);
  }
}

/** Plain node:http, so the suite controls every byte and header, including invalid ones. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    readonly port: number,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  call({ method, path, headers = {}, body, timeoutMs = 10_000 }: HttpCall): Promise<HttpAnswer> {
    const started = Date.now();
    return new Promise<HttpAnswer>((resolve, reject) => {
      let connected = false;
      const req = request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: Date.now() - started,
            }),
          );
          res.on('error', (err: NodeJS.ErrnoException) =>
            reject(new HttpFailure('no-answer', err.code ?? err.message)),
          );
        },
      );
      req.on('socket', (socket) => {
        // A reused keep-alive socket is connected already; a new one reports when it is.
        if (socket.connecting) {
          socket.once('connect', () => (connected = true));
        } else {
          connected = true;
        }
      });
      req.setTimeout(timeoutMs, () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? err.message;
        reject(
          new HttpFailure(!connected && code === 'ECONNREFUSED' ? 'refused' : 'no-answer', code),
        );
      });
      if (body !== undefined) {
        req.end(body);
      } else {
        req.end();
      }
    });
  }

  async getJson<T>(path: string): Promise<{ status: number; body: T }> {
    const answer = await this.call({ method: 'GET', path });
    return { status: answer.status, body: JSON.parse(answer.body) as T };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `concurrency` at once; keeps the results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(runners);
  return results;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
