import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { PublicRoute } from '../public-route';

/** GET /metrics in the Prometheus text format, through Fastify's reply. */
@Controller()
@PublicRoute()
export class MetricsController extends PrometheusController {
  @Get('metrics')
  override async index(@Res() reply: FastifyReply): Promise<string> {
    const body = await register.metrics();
    void reply.type(register.contentType).send(body);
    return body;
  }
}
