import { createServer } from 'node:net';

export interface PortClaim {
  /** What wants the port: `customer-api`, `sales-worker`, `SQS stand-in`. */
  owner: string;
  port: number;
  /** The variable that moves it, e.g. `CUSTOMER_API_PORT`. */
  variable: string;
}

/** Whether a TCP port can be bound on `host` right now (a wildcard bind by another blocks it). */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The claims whose port is taken, each with a line saying how to move it. */
export async function takenPorts(claims: PortClaim[], host: string): Promise<string[]> {
  const problems: string[] = [];
  for (const claim of claims) {
    if (!(await isPortFree(claim.port, host))) {
      problems.push(
        `port ${claim.port} (${claim.owner}) is taken by another process: stop it, or move ` +
          `this one with ${claim.variable}=<port> npm start`,
      );
    }
  }
  return problems;
}
