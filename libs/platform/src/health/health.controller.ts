import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { PublicRoute } from '../public-route';
import { SqsHealthIndicator } from './sqs.health';

const CHECK_TIMEOUT_MS = 1_500;

@Controller('health')
@PublicRoute()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly sqs: SqsHealthIndicator,
  ) {}

  /** The process is up; an orchestrator restarts it otherwise. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** The database and the queues answer; a load balancer sends traffic only then. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.sqs.check('sqs', CHECK_TIMEOUT_MS),
    ]);
  }
}
