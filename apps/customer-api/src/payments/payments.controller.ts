import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '@app/platform/errors';
import { ApiProblems } from '@app/platform/openapi';
import { InputPipe } from '@app/platform/validation';
import { clientIdOf } from '../auth/client-id';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { Preferences } from './dto/prefer-header';
import { WaitPreferenceDto } from './dto/wait-preference.dto';
import { abortedOnClose, PaymentLongPoll } from './payment-long-poll';
import { PaymentsService } from './payments.service';
import {
  AcceptedView,
  PaymentView,
  statusUrlOf,
  toAcceptedView,
  toPaymentView,
} from './payment.view';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** The same rule as IDEMPOTENCY_KEY, in the OpenAPI document. */
const IDEMPOTENCY_KEY_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7e]+$',
} as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new InvalidInputError('the Idempotency-Key header is invalid', [
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1-255 visible ASCII characters',
      },
    ]);
  }
  return header;
}

@ApiTags('payments')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@Controller('payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly longPoll: PaymentLongPoll,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'createPayment',
    summary: 'Accept a payment',
    description:
      'Validates and durably records the payment, then answers at once. The 202 is sent only ' +
      'after commit: the payment will reach the sales DB whatever fails afterwards. Poll the ' +
      'status URL until COMPLETED or FAILED. A 5xx, or no answer at all, does not mean nothing ' +
      'was recorded: the commit may have succeeded and only its acknowledgement been lost. ' +
      'Send an Idempotency-Key, and after a 5xx or no answer resend the same body with the ' +
      'same key: a committed payment is then replayed, never created twice.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    schema: IDEMPOTENCY_KEY_SCHEMA,
    description:
      '1-255 visible ASCII characters, compared byte for byte (`Key-1` and `key-1` are two ' +
      'keys); the same key and body replay the first answer. Resend with the same key after ' +
      'a 5xx or no answer. Kept 24 hours (IDEMPOTENCY_TTL_SECONDS), then forgotten. While ' +
      'the first request with the key runs: 409 with Retry-After; a first request that died ' +
      'frees its key a few seconds after its deadline.',
  })
  @ApiAcceptedResponse({
    type: AcceptedView,
    description: 'Accepted (or replayed)',
    headers: {
      Location: { description: 'The status URL', schema: { type: 'string' } },
      'Retry-After': { description: 'Seconds before the first poll', schema: { type: 'integer' } },
      'Idempotent-Replayed': {
        description: '`true` on a replay',
        schema: { type: 'string', enum: ['true'] },
      },
    },
  })
  @ApiProblems(400, 401, 409, 413, 415, 422, 429, 503)
  async create(
    @Body(InputPipe) body: CreatePaymentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedView> {
    const { payment, replayed } = await this.payments.accept({
      clientId: clientIdOf(request),
      correlationId: request.id,
      idempotencyKey: idempotencyKeyOf(idempotencyKey),
      body,
    });
    void reply.header('Location', statusUrlOf(payment)).header('Retry-After', '1');
    if (replayed) {
      void reply.header('Idempotent-Replayed', 'true');
    }
    return toAcceptedView(payment);
  }

  @Get(':requestId')
  @ApiOperation({
    operationId: 'getPayment',
    summary: "A payment's status, at once or by long poll",
    description:
      'With `Prefer: wait=N` (RFC 7240) the answer is held until the status leaves PENDING, or ' +
      'for N seconds (capped by the server, 30 by default), then gives the current view; ' +
      '`Preference-Applied: wait=<n>` says how long the server was willing to wait. Without it ' +
      'the answer comes at once. PENDING until the sales DB has recorded it (COMPLETED) or never can ' +
      '(FAILED). Re-ask at once after a PENDING long-poll answer.',
  })
  @ApiParam({ name: 'requestId', format: 'uuid' })
  @ApiHeader({
    name: 'Prefer',
    required: false,
    description: '`wait=N`: hold the answer up to N seconds while the payment is PENDING',
    example: 'wait=20',
  })
  @ApiOkResponse({
    type: PaymentView,
    headers: {
      'Retry-After': {
        description: 'While PENDING: seconds before the next poll',
        schema: { type: 'integer' },
      },
      'Preference-Applied': {
        description: 'With `Prefer: wait=N`: `wait=<n>`, the seconds the server would wait',
        schema: { type: 'string', example: 'wait=20' },
      },
      Vary: { description: '`Prefer`', schema: { type: 'string' } },
    },
  })
  @ApiProblems(400, 401, 404, 429, 503)
  async get(
    @Param('requestId') requestId: string,
    @Preferences(['wait'], InputPipe) prefer: WaitPreferenceDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentView> {
    if (!UUID.test(requestId)) {
      throw new InvalidInputError('the request id is not a UUID', [
        { field: 'requestId', message: 'requestId must be a UUID' },
      ]);
    }
    const { payment, appliedWait } = await this.longPoll.get(
      clientIdOf(request),
      requestId,
      prefer.wait,
      abortedOnClose(reply),
    );
    void reply.header('Vary', 'Prefer');
    if (appliedWait !== undefined) {
      void reply.header('Preference-Applied', `wait=${appliedWait}`);
    }
    if (payment.status === 'PENDING') {
      void reply.header('Retry-After', '1');
    }
    return toPaymentView(payment);
  }
}
