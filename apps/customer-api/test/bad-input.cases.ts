/** The bad requests bad-input.e2e-spec.ts sends, each with the answer it must get. */
import type { RawRequest } from '../../../tools/faults/fuzz/raw-http';
import { VALID_PAYMENT } from './customer-api.harness';

export type Case = [name: string, body: unknown, badFields: string[]];

const future = new Date(Date.now() + 10 * 60_000).toISOString();

/** Each class of bad body from CONTRACT.md, with the fields the answer must name. */
export const BAD_BODIES: Case[] = [
  ['an empty object', {}, ['customerId', 'policyId', 'amount', 'currency']],
  ['an array', [VALID_PAYMENT], ['body']],
  ['a JSON string', 'payment', ['body']],
  ['null', null, ['body']],
  ['an unknown field', { ...VALID_PAYMENT, discount: 5 }, ['discount']],
  ['a float amount', { ...VALID_PAYMENT, amount: 10.5 }, ['amount']],
  ['an amount as a string', { ...VALID_PAYMENT, amount: '100' }, ['amount']],
  ['a zero amount', { ...VALID_PAYMENT, amount: 0 }, ['amount']],
  ['a negative amount', { ...VALID_PAYMENT, amount: -5 }, ['amount']],
  ['an amount above the maximum', { ...VALID_PAYMENT, amount: 100_000_000_001 }, ['amount']],
  ['a huge amount', { ...VALID_PAYMENT, amount: 1e300 }, ['amount']],
  ['a lower-case currency', { ...VALID_PAYMENT, currency: 'usd' }, ['currency']],
  ['an unknown currency', { ...VALID_PAYMENT, currency: 'ABC' }, ['currency']],
  ['a currency that is not a string', { ...VALID_PAYMENT, currency: 840 }, ['currency']],
  ['an empty customerId', { ...VALID_PAYMENT, customerId: '' }, ['customerId']],
  [
    'a customerId of 65 characters',
    { ...VALID_PAYMENT, customerId: 'c'.repeat(65) },
    ['customerId'],
  ],
  ['a policyId with a space', { ...VALID_PAYMENT, policyId: 'pol 1' }, ['policyId']],
  ['a policyId with odd Unicode', { ...VALID_PAYMENT, policyId: 'pol\u202e1' }, ['policyId']],
  ['a nested object as customerId', { ...VALID_PAYMENT, customerId: { $gt: '' } }, ['customerId']],
  ['paidAt that is not a timestamp', { ...VALID_PAYMENT, paidAt: 'yesterday' }, ['paidAt']],
  ['paidAt without a time zone', { ...VALID_PAYMENT, paidAt: '2026-01-01T10:00:00' }, ['paidAt']],
  ['paidAt 10 minutes in the future', { ...VALID_PAYMENT, paidAt: future }, ['paidAt']],
  ['paidAt before 1970', { ...VALID_PAYMENT, paidAt: '1969-12-31T23:59:59Z' }, ['paidAt']],
  ['period month 13', { ...VALID_PAYMENT, period: '2026-13' }, ['period']],
  ['period as a date', { ...VALID_PAYMENT, period: '2026-01-01' }, ['period']],
  // Optional fields may be absent, never null (null used to mean 1970-01-01, or "absent").
  ['paidAt null', { ...VALID_PAYMENT, paidAt: null }, ['paidAt']],
  ['period null', { ...VALID_PAYMENT, period: null }, ['period']],
  // Days that do not exist, which Date rolls over into the next month.
  ['paidAt on 30 February', { ...VALID_PAYMENT, paidAt: '2026-02-30T00:00:00Z' }, ['paidAt']],
  ['paidAt on 29 February 2025', { ...VALID_PAYMENT, paidAt: '2025-02-29T12:00:00Z' }, ['paidAt']],
  ['paidAt on 31 April', { ...VALID_PAYMENT, paidAt: '2026-04-31T00:00:00Z' }, ['paidAt']],
  ['paidAt as a date only', { ...VALID_PAYMENT, paidAt: '2026-01-01' }, ['paidAt']],
  // Unknown fields named like Object.prototype members, which class-transformer skipped.
  ...[
    'toString',
    'valueOf',
    'constructor',
    'hasOwnProperty',
    'isPrototypeOf',
    '__defineGetter__',
  ].map((name): Case => [`a field named ${name}`, { ...VALID_PAYMENT, [name]: 'x' }, [name]]),
  [
    'two unknown fields and a bad one',
    { ...VALID_PAYMENT, toString: 1, valueOf: 2, amount: 'x' },
    ['toString', 'valueOf', 'amount'],
  ],
];

const nested = (open: string, inner: string, close: string, depth: number): string =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
/** The valid body with one field's JSON text replaced verbatim. */
const withRaw = (field: string, text: string): string =>
  JSON.stringify({ ...VALID_PAYMENT, [field]: 0 }).replace(`"${field}":0`, `"${field}":${text}`);

/** Bodies under 16 KiB nested deep enough to overflow class-transformer's recursion. */
export const DEEP_BODIES: [name: string, raw: string, badFields: string[], message: RegExp][] = [
  [
    'an object nested 2,500 deep',
    nested('{"a":', '1', '}', 2_500),
    ['a', 'amount', 'currency', 'customerId', 'policyId'],
    /not an accepted field/,
  ],
  [
    'an amount of arrays nested 5,000 deep',
    withRaw('amount', nested('[', '1', ']', 5_000)),
    ['amount'],
    /nested too deeply/,
  ],
  [
    'a customerId of objects nested 1,000 deep',
    withRaw('customerId', nested('{"x":', '1', '}', 1_000)),
    ['customerId'],
    /nested too deeply/,
  ],
  [
    'a body 33 levels deep',
    withRaw('customerId', nested('[', '"c"', ']', 32)),
    ['customerId'],
    /nested too deeply/,
  ],
  [
    'a body 32 levels deep (refused as not a string, not for its depth)',
    withRaw('customerId', nested('[', '"c"', ']', 31)),
    ['customerId'],
    /must be a string/,
  ],
];

/** Requests Node's parser or Fastify's router refuse before any route runs. */
export const MALFORMED: [
  name: string,
  request: RawRequest,
  status: number,
  field: string | null,
][] = [
  [
    'bad percent-encoding in the id',
    { method: 'GET', path: '/payments/%ff', headers: [] },
    400,
    'url',
  ],
  [
    'an id of 2,000 characters',
    { method: 'GET', path: `/payments/${'a'.repeat(2_000)}`, headers: [] },
    414,
    null,
  ],
  [
    'headers over 16 KiB',
    {
      method: 'POST',
      path: '/payments',
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Padding', 'p'.repeat(17 * 1024)],
      ],
      body: Buffer.from(JSON.stringify(VALID_PAYMENT)),
    },
    431,
    null,
  ],
  [
    'a control character in a header value',
    {
      method: 'POST',
      path: '/payments',
      headers: [
        ['Content-Type', 'application/json'],
        ['Idempotency-Key', Buffer.from([0x61, 0x01, 0x62])],
      ],
      body: Buffer.from(JSON.stringify(VALID_PAYMENT)),
    },
    400,
    'Idempotency-Key',
  ],
  [
    'a header name with a space',
    {
      method: 'POST',
      path: '/payments',
      headers: [
        ['Content-Type', 'application/json'],
        ['Bad Name', 'x'],
      ],
      body: Buffer.from(JSON.stringify(VALID_PAYMENT)),
    },
    400,
    'headers',
  ],
  [
    'a Content-Length that is not a number',
    {
      method: 'POST',
      path: '/payments',
      headers: [
        ['Content-Type', 'application/json'],
        ['Content-Length', 'abc'],
      ],
      body: Buffer.from(JSON.stringify(VALID_PAYMENT)),
      framing: 'none',
    },
    400,
    'Content-Length',
  ],
  [
    'a Content-Length shorter than the body',
    {
      method: 'POST',
      path: '/payments',
      headers: [
        ['Content-Type', 'application/json'],
        ['Content-Length', '5'],
      ],
      body: Buffer.from(JSON.stringify(VALID_PAYMENT)),
      framing: 'none',
    },
    400,
    null,
  ],
];
