import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  ContractMessageType,
  PAYMENT_RECORDED,
  PaymentRecordedV1,
  SALES_FAILED,
  SALES_RECORDED,
  SalesFailedV1,
  SalesRecordedV1,
} from './messages';

type MessageClass = new () => ContractMessageType;

const REGISTRY: Record<string, Record<number, MessageClass>> = {
  [PAYMENT_RECORDED]: { 1: PaymentRecordedV1 },
  [SALES_RECORDED]: { 1: SalesRecordedV1 },
  [SALES_FAILED]: { 1: SalesFailedV1 },
};

export type PermanentFailureCode =
  'MALFORMED_JSON' | 'INVALID_MESSAGE' | 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION' | 'UNEXPECTED_TYPE';

/**
 * A message that can never be processed, however often it is redelivered: it goes to the
 * dead-letter queue at once. `paymentId` is set when it could still be read from the body.
 */
export class PermanentMessageError extends Error {
  override readonly name = 'PermanentMessageError';
  constructor(
    readonly code: PermanentFailureCode,
    message: string,
    readonly paymentId?: string,
  ) {
    super(message);
  }
}

/** What travels as SQS message attributes next to every body. */
export interface MessageMetadata {
  type: string;
  version: string;
  correlationId?: string;
}

export interface EncodedMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The shape of an HTTP request id, which is what a correlationId is. */
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A value read from a bad body, for a failure reason that travels on to logs, the DLQ's
 * attributes, `sales.failed` and the operator's terminal: quoted, cut short, and with every
 * control character (escape sequences, C1 controls, bidi overrides) escaped.
 */
function quoted(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 64)).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function readablePaymentId(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'paymentId' in value) {
    const id = value.paymentId;
    if (typeof id === 'string' && UUID.test(id)) {
      return id.toLowerCase();
    }
  }
  return undefined;
}

/**
 * Parses and validates a message body against the contract. Throws PermanentMessageError for
 * anything that is not a valid message of one of `expected` types.
 */
export function parseMessage<T extends ContractMessageType>(
  body: string | undefined,
  expected: readonly T['type'][],
): T {
  let plain: unknown;
  try {
    plain = JSON.parse(body ?? '');
  } catch {
    throw new PermanentMessageError('MALFORMED_JSON', 'message body is not valid JSON');
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new PermanentMessageError('INVALID_MESSAGE', 'message body is not a JSON object');
  }
  const paymentId = readablePaymentId(plain);
  const { type, version } = plain as { type?: unknown; version?: unknown };
  const versions = typeof type === 'string' ? REGISTRY[type] : undefined;
  if (!versions || typeof type !== 'string') {
    throw new PermanentMessageError(
      'UNKNOWN_TYPE',
      `unknown message type ${quoted(type)}`,
      paymentId,
    );
  }
  if (!(expected as readonly string[]).includes(type)) {
    throw new PermanentMessageError('UNEXPECTED_TYPE', `${type} is not expected here`, paymentId);
  }
  const cls = typeof version === 'number' ? versions[version] : undefined;
  if (!cls) {
    throw new PermanentMessageError(
      'UNSUPPORTED_VERSION',
      `${type} version ${quoted(version)} is not supported`,
      paymentId,
    );
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const fields = errors.map((e) => e.property).join(', ');
    throw new PermanentMessageError('INVALID_MESSAGE', `invalid ${type}: ${fields}`, paymentId);
  }
  return instance as T;
}

/** Serialises a contract message with the attributes every message carries. */
export function encodeMessage(
  message: ContractMessageType,
  correlationId?: string,
): EncodedMessage {
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: message.type },
    version: { DataType: 'Number', StringValue: String(message.version) },
  };
  if (correlationId) {
    attributes.correlationId = { DataType: 'String', StringValue: correlationId };
  }
  return { body: JSON.stringify({ ...message }), attributes };
}

/** Reads the contract attributes of a received message. */
export function readMetadata(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Partial<MessageMetadata> {
  return {
    type: attributes?.type?.StringValue,
    version: attributes?.version?.StringValue,
    // Anything else is dropped, not carried into every log line about the message.
    correlationId: CORRELATION_ID.test(attributes?.correlationId?.StringValue ?? '')
      ? attributes?.correlationId?.StringValue
      : undefined,
  };
}
