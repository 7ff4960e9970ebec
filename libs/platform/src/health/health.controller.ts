import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthStatusDoc } from './health-status.doc';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiProblems } from '../openapi';
import { PublicRoute } from '../public-route';
import { SqsHealthIndicator } from './sqs.health';

const CHECK_TIMEOUT_MS = 1_500;

@ApiTags('operations')
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
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'The process is up',
    description: 'Answers 200 while the process runs; checks nothing else. Needs no API key.',
  })
  @ApiOkResponse({ description: 'Up', type: HealthStatusDoc })
  @HealthCheck({ swaggerDocumentation: false })
  live() {
    return this.health.check([]);
  }

  /** The database and the queues answer; a load balancer sends traffic only then. */
  @Get('ready')
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'The database and the queues answer',
    description: 'A load balancer sends traffic only while this answers 200. Needs no API key.',
  })
  @ApiOkResponse({ description: 'Ready', type: HealthStatusDoc })
  @ApiProblems(503)
  @HealthCheck({ swaggerDocumentation: false })
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.sqs.check('sqs', CHECK_TIMEOUT_MS),
    ]);
  }
}
