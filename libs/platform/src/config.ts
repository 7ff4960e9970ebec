import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/** An environment class with rules that involve several variables at once. */
export interface CheckedTogether {
  /** Each broken rule, named after one of the variables it involves. */
  checkTogether(): { property: string; message: string }[];
}

/**
 * Builds an app's environment validator: environment variables are converted to
 * the class's types and validated; the first start-up with a bad or missing variable stops with
 * a message naming each one.
 */
export function validateEnvironment<T extends object>(
  cls: new () => T,
): (raw: Record<string, unknown>) => T {
  return (raw) => {
    const config = plainToInstance(cls, raw, {
      enableImplicitConversion: true,
      exposeDefaultValues: true,
    });
    const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
    if (errors.length === 0) {
      // Rules between variables, once each one is valid on its own.
      for (const { property, message } of (config as Partial<CheckedTogether>).checkTogether?.() ??
        []) {
        errors.push(Object.assign(new ValidationError(), { property, constraints: { message } }));
      }
    }
    const database = config as {
      NODE_ENV?: string;
      DATABASE_URL?: string;
      DATABASE_HOST?: string;
      SQLITE_PATH?: string;
    };
    if (
      database.NODE_ENV === 'production' &&
      !database.DATABASE_URL &&
      !database.DATABASE_HOST &&
      !raw.SQLITE_PATH
    ) {
      // A container that lost its database settings must not quietly keep payments in a file.
      errors.push(
        Object.assign(new ValidationError(), {
          property: 'DATABASE_URL',
          constraints: {
            required: 'production needs DATABASE_URL or DATABASE_HOST (or an explicit SQLITE_PATH)',
          },
        }),
      );
    }
    if (errors.length > 0) {
      const lines = errors.map(
        (e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`,
      );
      throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
    }
    return config;
  };
}

/**
 * class-transformer turns any non-empty string into `true`; environment booleans need this. It
 * reads the raw variable (`obj[key]`): with implicit conversion and decorator metadata, `value`
 * has already become `true` for the string "false".
 */
export function toBoolean({
  value,
  obj,
  key,
}: {
  value: unknown;
  obj?: Record<string, unknown>;
  key?: string;
}): unknown {
  const raw = obj && key !== undefined && key in obj ? obj[key] : value;
  if (typeof raw !== 'string') {
    return raw;
  }
  if (/^(true|1|yes)$/i.test(raw)) {
    return true;
  }
  if (/^(false|0|no)$/i.test(raw)) {
    return false;
  }
  return raw;
}
