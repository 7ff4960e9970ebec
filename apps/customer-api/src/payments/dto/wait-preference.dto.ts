import { Transform } from 'class-transformer';
import { IsInt, IsOptional } from 'class-validator';

/**
 * RFC 7240 delta-seconds: digits only, so never negative. Anything else stays a string and fails
 * `@IsInt`.
 */
const DELTA_SECONDS = /^[0-9]{1,9}$/;

/** The preferences GET /payments/{id} honours: `Prefer: wait=N` (RFC 7240 section 4.3). */
export class WaitPreferenceDto {
  /** How many seconds the client will wait for the status to leave PENDING. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DELTA_SECONDS.test(value) ? Number(value) : value,
  )
  @IsInt({ message: 'wait must be a whole number of seconds (Prefer: wait=N)' })
  wait?: number;
}
