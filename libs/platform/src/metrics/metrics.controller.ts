import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../public-route';

/** GET /metrics in the Prometheus text format, through Fastify's reply. */
@ApiTags('operations')
@Controller()
@PublicRoute()
export class MetricsController extends PrometheusController {
  // The path comes from PrometheusModule's `path` option (/metrics).
  @Get()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    security: [],
    description: 'The Prometheus text exposition format. Needs no API key.',
  })
  @ApiOkResponse({
    description: 'Metrics',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  override async index(@Res() reply: FastifyReply): Promise<string> {
    const body = await register.metrics();
    void reply.type(register.contentType).send(body);
    return body;
  }
}
