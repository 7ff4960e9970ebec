import { connect } from 'node:net';

/** One request as bytes on the wire: nothing is validated or normalised on the way out. */
export interface RawRequest {
  method: string;
  /** Sent as is: may hold percent-escapes, or bytes no URL parser would produce. */
  path: string;
  /** In order; a Buffer value goes out byte for byte (invalid UTF-8, Latin-1, controls). */
  headers: [string, string | Buffer][];
  body?: Buffer;
  /** Content-Length is added from the body unless the case sets its own framing. */
  framing?: 'content-length' | 'none';
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

export function encodeRequest(port: number, req: RawRequest): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`${req.method} ${req.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, 'latin1'),
  ];
  for (const [name, value] of req.headers) {
    parts.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n'));
  }
  if (req.body && (req.framing ?? 'content-length') === 'content-length') {
    parts.push(Buffer.from(`Content-Length: ${req.body.length}\r\n`));
  }
  // One request a connection: a broken request cannot poison the next one's framing.
  parts.push(Buffer.from('Connection: close\r\n\r\n'));
  if (req.body) {
    parts.push(req.body);
  }
  return Buffer.concat(parts);
}

function dechunk(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) {
      break;
    }
    const size = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) {
      break;
    }
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses the first response in `raw`; undefined when not even a status line arrived. */
export function parseResponse(raw: Buffer, ms: number): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) {
    return undefined;
  }
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) {
    return undefined;
  }
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    body = dechunk(body);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status, headers, body: body.toString('utf8'), ms };
}

/**
 * Sends raw bytes on a fresh connection to 127.0.0.1 and reads until the server closes it.
 * Resolves undefined when no response came back within `timeoutMs` (a hang) or the connection
 * was reset before a status line arrived.
 */
export function sendRaw(
  port: number,
  req: RawRequest,
  timeoutMs = 5_000,
): Promise<RawResponse | undefined> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    let finished = false;
    const done = (): void => {
      if (finished) {
        return;
      }
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks), Date.now() - started));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', done);
    socket.on('close', done);
    // A reset after the answer arrived (the server closed while we were still writing) is fine.
    socket.on('error', done);
    // Written, not ended: a half-closed connection may be dropped before its answer is sent.
    socket.write(encodeRequest(port, req));
  });
}
