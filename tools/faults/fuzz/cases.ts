import { gzipSync } from 'node:zlib';
import { Attempt, JSON_TYPE, post, VALID } from './attempt';

type Patch = Record<string, unknown>;

const json = (value: unknown): string => JSON.stringify(value);
const withField = (patch: Patch): string => json({ ...VALID, ...patch });
/** The valid body with one field's JSON text replaced verbatim (numbers JSON.stringify can't write). */
const withRaw = (field: string, text: string): string =>
  json({ ...VALID, [field]: 0 }).replace(`"${field}":0`, `"${field}":${text}`);
const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const field = (name: string, source: string, body: string | Buffer): Attempt =>
  post(source, body, [JSON_TYPE], name);

const WRONG_TYPES: Attempt[] = (
  [
    ['customerId', 123],
    ['customerId', true],
    ['customerId', null],
    ['customerId', []],
    ['customerId', {}],
    ['policyId', ['pol-1']],
    ['amount', '12500'],
    ['amount', true],
    ['amount', null],
    ['amount', [12500]],
    ['amount', { value: 12500 }],
    ['currency', 840],
    ['currency', ['USD']],
    ['period', 202601],
    ['period', null],
    ['paidAt', 1767225600],
    ['paidAt', null],
    ['paidAt', {}],
  ] as [string, unknown][]
).map(([name, value]) => field(name, `${name} as ${json(value)}`, withField({ [name]: value })));

const NUMBERS: Attempt[] = [
  '12.5',
  '0.1',
  '1e-7',
  '99.999',
  '1e400',
  '-1e400',
  '100000000001',
  '9007199254740993',
  '123456789012345678901234567890',
  '1e21',
  '0',
  '-1',
  '-0',
  '0x10',
  'NaN',
  'Infinity',
  '+5',
  '05',
].map((text) => field('amount', `amount ${text}`, withRaw('amount', text)));

const DEEP = 5_000;
const NESTING: Attempt[] = [
  post('array nested 8000 deep', `${'['.repeat(8_000)}${']'.repeat(8_000)}`),
  post('object nested 2500 deep', `${'{"a":'.repeat(2_500)}1${'}'.repeat(2_500)}`),
  field(
    'amount',
    'amount nested 5000 deep',
    withRaw('amount', `${'['.repeat(DEEP)}1${']'.repeat(DEEP)}`),
  ),
  field(
    'customerId',
    'customerId an object 1000 deep',
    withRaw('customerId', `${'{"x":'.repeat(1_000)}1${'}'.repeat(1_000)}`),
  ),
];

const PROTOTYPES: Attempt[] = [
  post('__proto__ at the top', withRaw('amount', '12500,"__proto__":{"admin":true}')),
  post(
    '__proto__ carrying a missing field',
    `{"__proto__":{"amount":12500},"customerId":"c","policyId":"p","currency":"USD"}`,
  ),
  post(
    'constructor.prototype',
    withRaw('amount', '12500,"constructor":{"prototype":{"admin":true}}'),
  ),
  post('__proto__ inside a field', withRaw('customerId', '{"__proto__":{"length":1}}')),
  field('prototype', 'a field named prototype', withField({ prototype: {} })),
  field('toString', 'a field named toString', withField({ toString: 'x' })),
];

const BAD_UTF8: Attempt[] = [
  post(
    '0xff 0xfe in customerId',
    bytes('{"customerId":"c', [0xff, 0xfe], '","policyId":"p","amount":1,"currency":"USD"}'),
  ),
  post(
    'overlong "/" (c0 af)',
    bytes('{"customerId":"c', [0xc0, 0xaf], '","policyId":"p","amount":1,"currency":"USD"}'),
  ),
  post(
    'UTF-8 encoded surrogate (ed a0 80)',
    bytes('{"customerId":"c', [0xed, 0xa0, 0x80], '","policyId":"p","amount":1,"currency":"USD"}'),
  ),
  post(
    'truncated multibyte at the end',
    bytes('{"customerId":"c","policyId":"p","amount":1,"currency":"US', [0xe2, 0x82]),
  ),
  post(
    'a lone 0x80 between fields',
    bytes('{"customerId":"c",', [0x80], '"policyId":"p","amount":1,"currency":"USD"}'),
  ),
  post('BOM then a bad body', bytes([0xef, 0xbb, 0xbf], withField({ amount: 'x' }))),
  post('UTF-16 body', Buffer.from(withField({ amount: 'x' }), 'utf16le'), [
    ['Content-Type', 'application/json; charset=utf-16'],
  ]),
];

const valid = json(VALID);
const TRUNCATED: Attempt[] = [
  ...[1, 10, 20, 30, 40, valid.length - 1].map((n) =>
    post(`body cut after ${n} bytes`, valid.slice(0, n)),
  ),
  post('nothing but a quote', '"'),
  post('nul', 'nul'),
  post('empty body', ''),
  post('whitespace body', '   \n\t '),
  post('two JSON documents', `${valid}${valid}`),
  post('trailing comma', `${valid.slice(0, -1)},}`),
  post('single quotes', valid.replace(/"/g, "'")),
  post('comment', `/* hi */${valid}`),
];

const CONTENT_TYPES: Attempt[] = [
  ['text/plain', valid],
  ['application/x-www-form-urlencoded', 'customerId=c&policyId=p&amount=1&currency=USD'],
  [
    'multipart/form-data; boundary=x',
    `--x\r\nContent-Disposition: form-data; name="amount"\r\n\r\n1\r\n--x--`,
  ],
  ['application/xml', '<payment><amount>1</amount></payment>'],
  ['application/jsonx', valid],
  ['application/vnd.api+json', valid],
  ['text/json', valid],
  ['application/json, text/plain', valid],
  ['*/*', valid],
  ['', valid],
].map(([type, body]) => post(`Content-Type ${json(type)}`, body, [['Content-Type', type]]));
CONTENT_TYPES.push(post('no Content-Type', valid, []));
CONTENT_TYPES.push(
  post('a gzipped body', gzipSync(valid), [JSON_TYPE, ['Content-Encoding', 'gzip']]),
);

const padded = (bytes: number): string => withField({ customerId: 'x'.repeat(bytes) });
const OVERSIZED: Attempt[] = [
  post('16 KiB + 1', padded(16 * 1024 + 1 - json({ ...VALID, customerId: '' }).length)),
  post('1 MiB', padded(1024 * 1024)),
  {
    source: '100 KiB chunked, no length',
    request: {
      method: 'POST',
      path: '/payments',
      headers: [JSON_TYPE, ['Transfer-Encoding', 'chunked']],
      body: (() => {
        const chunk = Buffer.from(padded(100 * 1024));
        return Buffer.concat([
          Buffer.from(`${chunk.length.toString(16)}\r\n`),
          chunk,
          Buffer.from('\r\n0\r\n\r\n'),
        ]);
      })(),
      framing: 'none',
    },
  },
  {
    source: 'Content-Length shorter than the body',
    request: {
      method: 'POST',
      path: '/payments',
      headers: [JSON_TYPE, ['Content-Length', '5']],
      body: Buffer.from(valid),
      framing: 'none',
    },
  },
  {
    source: 'Content-Length not a number',
    request: {
      method: 'POST',
      path: '/payments',
      headers: [JSON_TYPE, ['Content-Length', 'abc']],
      body: Buffer.from(valid),
      framing: 'none',
    },
  },
];

const ODD_IDS: Attempt[] = [
  'cust\u0000',
  '\u202ecust',
  'cu\u200bst',
  'ｃｕｓｔ',
  '😀',
  'İ',
  'e\u0301',
  '\ufeffcust',
  'x'.repeat(65),
  '',
  ' ',
  'cust-1\n',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '%00',
  '\ud800',
].map((id) => field('customerId', `customerId ${json(id)}`, withField({ customerId: id })));
ODD_IDS.push(
  ...['ＵＳＤ', 'usd', 'US', 'USDD', 'XXX', 'ABC', ' USD'].map((code) =>
    field('currency', `currency ${json(code)}`, withField({ currency: code })),
  ),
  ...['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '２０２６-０１'].map((p) =>
    field('period', `period ${json(p)}`, withField({ period: p })),
  ),
  ...[
    '2026-02-30T00:00:00Z',
    '2026-01-01',
    '2026-01-01T00:00:00',
    '1969-12-31T23:59:59Z',
    '2999-01-01T00:00:00Z',
    'yesterday',
  ].map((t) => field('paidAt', `paidAt ${json(t)}`, withField({ paidAt: t }))),
);

const get = (source: string, path: string): Attempt => ({
  source,
  request: { method: 'GET', path, headers: [] },
});
const READS: Attempt[] = [
  get('GET id emoji', `/payments/${encodeURIComponent('😀')}`),
  get('GET id %ff', '/payments/%ff'),
  get('GET id %00', '/payments/%00'),
  get('GET id traversal', '/payments/..%2f..%2fetc%2fpasswd'),
  get('GET id SQL', `/payments/${encodeURIComponent("' OR 1=1 --")}`),
  get('GET id 2000 characters', `/payments/${'a'.repeat(2_000)}`),
  get('GET unknown UUID', '/payments/00000000-0000-0000-0000-000000000000'),
  get(
    'GET UUID in fullwidth digits',
    `/payments/${encodeURIComponent('０'.repeat(8))}-0000-0000-0000-000000000000`,
  ),
  get('GET /payments (no id)', '/payments'),
  {
    source: 'PUT /payments',
    request: { method: 'PUT', path: '/payments', headers: [JSON_TYPE], body: Buffer.from(valid) },
  },
  {
    source: 'DELETE /payments/<uuid>',
    request: {
      method: 'DELETE',
      path: '/payments/00000000-0000-0000-0000-000000000000',
      headers: [],
    },
  },
];

const key = (source: string, value: string | Buffer | (string | Buffer)[]): Attempt =>
  post(
    source,
    withField({ customerId: 'fuzz-key' }),
    [
      JSON_TYPE,
      ...(Array.isArray(value) ? value : [value]).map((v): [string, string | Buffer] => [
        'Idempotency-Key',
        v,
      ]),
    ],
    'Idempotency-Key',
  );
const HEADERS: Attempt[] = [
  key('Idempotency-Key empty', ''),
  key('Idempotency-Key a space', ' '),
  key('Idempotency-Key with a space inside', 'key with space'),
  key('Idempotency-Key Cyrillic (UTF-8 bytes)', 'ключ'),
  key('Idempotency-Key DEL', '\x7f'),
  key('Idempotency-Key tab inside', 'a\tb'),
  key('Idempotency-Key Latin-1 byte e9', Buffer.from([0x61, 0xe9])),
  key('Idempotency-Key NUL byte', Buffer.from([0x61, 0x00, 0x62])),
  key('Idempotency-Key 256 characters', 'k'.repeat(256)),
  key('Idempotency-Key 8 KiB', 'k'.repeat(8 * 1024)),
  key('Idempotency-Key twice', ['one', 'two']),
  post('headers over 16 KiB in all', withField({ amount: 'x' }), [
    JSON_TYPE,
    ['Idempotency-Key', 'fine'],
    ['X-Padding', 'p'.repeat(17 * 1024)],
  ]),
  post('a header name with a space', withField({ amount: 'x' }), [JSON_TYPE, ['Bad Name', 'x']]),
  post('a header line without a colon', withField({ amount: 'x' }), [
    JSON_TYPE,
    ['X-Broken\r\nno-colon-here', 'x'],
  ]),
];

/** The hand-written table of nasty requests; every one breaks the contract somewhere. */
export const NASTY_CASES: Attempt[] = [
  ...WRONG_TYPES,
  ...NUMBERS,
  ...NESTING,
  ...PROTOTYPES,
  ...BAD_UTF8,
  ...TRUNCATED,
  ...CONTENT_TYPES,
  ...OVERSIZED,
  ...ODD_IDS,
  ...READS,
  ...HEADERS,
];
