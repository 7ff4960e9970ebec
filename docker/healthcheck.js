'use strict';

// Container health probe. Slim images have no curl, so it uses Node's own fetch.
//   node healthcheck.js [path]     path defaults to /health/live
// Exits 0 when the app answers 2xx, 1 otherwise. A project without an HTTP server (queue-admin,
// a one-shot CLI) has nothing to probe and counts as healthy.

const DEFAULT_PORTS = { 'customer-api': '3000', 'sales-worker': '3001' };
const TIMEOUT_MS = 4_000;

const port = process.env.PORT || DEFAULT_PORTS[process.env.APP ?? ''];
const path = process.argv[2] ?? '/health/live';

if (port === undefined) {
  process.exit(0);
}

fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then(
  (response) => {
    if (!response.ok) {
      console.error(`GET ${path}: ${response.status}`);
    }
    process.exit(response.ok ? 0 : 1);
  },
  (err) => {
    console.error(`GET ${path}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
