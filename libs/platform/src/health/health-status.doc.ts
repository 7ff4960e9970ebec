import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** @nestjs/terminus's answer: each check by name, with `status: up` or `down`. */
@ApiSchema({ name: 'HealthStatus' })
export class HealthStatusDoc {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The checks that passed, by name',
    example: { database: { status: 'up' } },
  })
  info?: Record<string, unknown>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The checks that failed, by name',
    example: {},
  })
  error?: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Every check, by name',
    example: { database: { status: 'up' } },
  })
  details!: Record<string, unknown>;
}
