export interface BannerOptions {
  apiUrl: string;
  workerUrl: string;
  sqsEndpoint: string;
  data: string;
  verbose: boolean;
  watching: boolean;
  inspecting: boolean;
}

/** Node below 22: the AWS SDK's releases after the first week of January 2027 need Node 22. */
export function nodeNotice(version = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  return major < 22
    ? `Node ${version}: fine until January 2027, when new AWS SDK releases need Node >= 22 ` +
        '(the image runs Node 24; see README, Requirements)'
    : undefined;
}

/** What `npm start` prints once everything is ready: where things are and what to try. */
export function bannerLines(o: BannerOptions): string[] {
  const month = new Date().toISOString().slice(0, 7);
  const body = '{"customerId":"cust-1","policyId":"pol-1","amount":12500,"currency":"USD"}';
  const notice = nodeNotice();
  return [
    `  API        ${o.apiUrl}/payments`,
    `  API docs   ${o.apiUrl}/docs  (OpenAPI: ${o.apiUrl}/openapi.json, guide: docs/api.md)`,
    `  page       ${o.apiUrl}/`,
    `  worker     ${o.workerUrl}/sales?period=${month}  (docs: ${o.workerUrl}/docs)`,
    `  SQS        ${o.sqsEndpoint}  (queues sales, payment-status and their -dlq)`,
    `  data       ${o.data}`,
    'try:',
    `  curl -si -X POST ${o.apiUrl}/payments -H 'Content-Type: application/json' \\`,
    `    -H "Idempotency-Key: try-$(date +%s)" -d '${body}'`,
    `  npm run dlq -- list          (dead letters; npm run dlq -- --help)`,
    ...(o.inspecting
      ? ['  inspectors: customer-api 127.0.0.1:9229, sales-worker 127.0.0.1:9230']
      : []),
    ...(notice ? [`note: ${notice}`] : []),
    `Ctrl-C stops everything.${o.watching ? ' Watching apps/ and libs/: a change rebuilds and restarts.' : ''}` +
      `${o.verbose ? '' : ' All logs: npm start -- --verbose'}`,
  ];
}
