import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { FieldError, InvalidInputError } from './errors';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      message: rule === 'whitelistValidation' ? `${field} is not an accepted field` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Validates plain input against a class: unknown fields are rejected and nothing is coerced
 * ("100" is not a number). Throws InvalidInputError naming every bad field.
 */
export function parseInput<T extends object>(
  cls: new () => T,
  plain: unknown,
  what = 'request body',
): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new InvalidInputError(`the ${what} must be a JSON object`);
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    throw new InvalidInputError(`the ${what} is invalid`, flatten(errors));
  }
  return instance;
}

/** `@Body(new InputPipe())` / `@Query(new InputPipe())`: parseInput against the parameter's type. */
@Injectable()
export class InputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const cls = metadata.metatype as (new () => object) | undefined;
    if (!cls || cls === Object || cls === String) {
      return value;
    }
    return parseInput(cls, value, metadata.type === 'query' ? 'query' : 'request body');
  }
}
