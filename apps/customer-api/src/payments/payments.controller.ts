import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblems } from '@app/platform/openapi';
import { InputPipe } from '@app/platform/validation';
import { clientIdOf } from '../auth/client-id';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { IDEMPOTENCY_KEY_SCHEMA, IdempotencyKeyHeaderDto } from './dto/idempotency-key-header.dto';
import { Preferences } from './dto/prefer-header';
import { RequestHeaders } from './dto/request-headers';
import { RequestIdParamDto } from './dto/request-id-param.dto';
import { WaitPreferenceDto } from './dto/wait-preference.dto';
import { PaymentLongPoll } from './payment-long-poll';
import { PaymentsService } from './payments.service';
import {
  AcceptedView,
  PaymentView,
  statusUrlOf,
  toAcceptedView,
  toPaymentView,
} from './payment.view';

/** A signal that aborts when the answer is sent or the client's connection closes. */
function abortedOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
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
    // Nest runs the pipes last parameter first: a bad body is answered before a bad key.
    @RequestHeaders(['Idempotency-Key'], InputPipe) headers: IdempotencyKeyHeaderDto,
    @Body(InputPipe) body: CreatePaymentDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedView> {
    const { payment, replayed } = await this.payments.accept({
      clientId: clientIdOf(request),
      correlationId: request.id,
      idempotencyKey: headers['Idempotency-Key'],
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
    @Param(InputPipe) { requestId }: RequestIdParamDto,
    @Preferences(['wait'], InputPipe) prefer: WaitPreferenceDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentView> {
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
