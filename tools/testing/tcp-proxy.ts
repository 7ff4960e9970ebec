import { createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between an app and a server, for real network faults in tests:
 * `cut()` drops every connection and refuses new ones, `hang()` accepts but never answers,
 * `setLatency(ms)` delays every chunk in both directions, `restore()` heals all.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private mode: 'pass' | 'cut' | 'hang' = 'pass';
  private latencyMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number, port = 0): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    const address = server.address();
    const proxy = new TcpProxy(
      server,
      typeof address === 'object' && address ? address.port : port,
    );
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    return proxy;
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.mode === 'hang') {
      return;
    }
    const upstream = new Socket();
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.connect(port, host);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  private pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      if (this.mode !== 'pass') {
        return;
      }
      if (this.latencyMs > 0) {
        setTimeout(() => to.writable && to.write(chunk), this.latencyMs);
      } else if (to.writable) {
        to.write(chunk);
      }
    });
  }

  /** Drops every open connection and refuses new ones, like a server that went away. */
  cut(): void {
    this.mode = 'cut';
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  /** Open connections go silent and new ones are accepted but never answered. */
  hang(): void {
    this.mode = 'hang';
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  restore(): void {
    this.mode = 'pass';
    this.latencyMs = 0;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
