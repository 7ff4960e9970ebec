import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { HealthStatusDoc } from './health-status.doc';
import { ApiProblems } from '../openapi';
import { PublicRoute } from '../public-route';
import { ReadinessCheck } from './readiness-check';

const CHECK_TIMEOUT_MS = 1_500;

export const READINESS_CACHE_MS = Symbol('READINESS_CACHE_MS');
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@ApiTags('operations')
@Controller('health')
@PublicRoute()
export class HealthController {
  /** The readiness check in progress or last finished, shared by every request for a while. */
  private readiness?: { startedAt: number; result: Promise<HealthCheckResult> };

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(READINESS_CACHE_MS) private readonly cacheMs: number,
  ) {}

  /** The process is up; an orchestrator restarts it otherwise. */
  @Get('live')
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'The process is up',
    security: [],
    description: 'Answers 200 while the process runs; checks nothing else. Needs no API key.',
  })
  @ApiOkResponse({ description: 'Up', type: HealthStatusDoc })
  @HealthCheck({ swaggerDocumentation: false })
  live() {
    return this.health.check([]);
  }

  /**
   * The database and the readiness checks (the queues) answer; a load balancer sends traffic only
   * then. One check (a DB ping and each ReadinessCheck) answers every request for READINESS_CACHE_MS, so a flood of
   * probes costs the dependencies nothing more.
   */
  @Get('ready')
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'The database and the queues answer (cached for about a second)',
    security: [],
    description: 'A load balancer sends traffic only while this answers 200. Needs no API key.',
  })
  @ApiOkResponse({ description: 'Ready', type: HealthStatusDoc })
  @ApiProblems(503)
  @HealthCheck({ swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    const now = Date.now();
    if (!this.readiness || now - this.readiness.startedAt >= this.cacheMs) {
      this.readiness = {
        startedAt: now,
        result: this.health.check([
          () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
          ...this.checks.map((check) => () => this.indicate(check)),
        ]),
      };
    }
    return this.readiness.result;
  }

  private async indicate(check: ReadinessCheck) {
    const indicator = this.indicators.check(check.name);
    try {
      await check.check(CHECK_TIMEOUT_MS);
      return indicator.up();
    } catch (err) {
      return indicator.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }
}
