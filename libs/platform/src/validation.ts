import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { FieldError, InvalidInputError } from './errors';

/**
 * How deeply a field's value may nest (objects and arrays). class-transformer copies values
 * recursively, so a 16 KiB body of `[[[…]]]` would overflow the stack; no input of ours comes
 * anywhere near this.
 */
export const MAX_NESTING_DEPTH = 32;

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

const acceptedFieldsOf = new WeakMap<new () => object, Set<string>>();

/** The properties `cls` validates: the only fields its input may hold. Read once per class. */
function acceptedFields(cls: new () => object): Set<string> {
  let fields = acceptedFieldsOf.get(cls);
  if (!fields) {
    fields = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', true, false)
        .map((m) => m.propertyName),
    );
    acceptedFieldsOf.set(cls, fields);
  }
  return fields;
}

/** True when `value` nests objects or arrays more than `limit` levels; iterative, any depth. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) {
      continue;
    }
    if (depth + 1 > limit) {
      return true;
    }
    for (const child of Object.values(current)) {
      pending.push([child, depth + 1]);
    }
  }
  return false;
}

const invalidDetailOf = new WeakMap<object, string>();

/**
 * The problem's `detail` when input of the decorated class is invalid, for an input whose
 * answer words it its own way (`the request id is not a UUID`); otherwise `the <input> is invalid`.
 */
export function InvalidInputDetail(detail: string): ClassDecorator {
  return (target) => {
    invalidDetailOf.set(target, detail);
  };
}

/**
 * Validates plain input against a class: unknown fields are rejected and nothing is coerced
 * ("100" is not a number). Throws InvalidInputError naming every bad field.
 *
 * Unknown fields are found on the input itself, not left to the whitelist: class-transformer
 * silently skips keys the instance inherits (`toString`, `constructor`, `__proto__`…), so the
 * whitelist would never see them. Only the accepted fields are transformed, and only when they
 * nest at most MAX_NESTING_DEPTH levels.
 */
export function parseInput<T extends object>(
  cls: new () => T,
  plain: unknown,
  what = 'request body',
): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new InvalidInputError(`the ${what} must be a JSON object`);
  }
  const accepted = acceptedFields(cls);
  const refused: FieldError[] = [];
  const kept: [string, unknown][] = [];
  for (const [field, value] of Object.entries(plain)) {
    if (!accepted.has(field)) {
      refused.push({ field, message: `${field} is not an accepted field` });
    } else if (nestsDeeperThan(value, MAX_NESTING_DEPTH - 1)) {
      refused.push({
        field,
        message: `${field} is nested too deeply (at most ${MAX_NESTING_DEPTH} levels in all)`,
      });
    } else {
      kept.push([field, value]);
    }
  }
  const instance = plainToInstance(cls, Object.fromEntries(kept), {
    enableImplicitConversion: false,
  });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  const refusedNames = new Set(refused.map((e) => e.field));
  // A field refused above is missing from the instance; its "must be a string" adds nothing.
  const fieldErrors = [
    ...refused,
    ...flatten(errors).filter((e) => !refusedNames.has(e.field.split('.')[0])),
  ];
  if (fieldErrors.length > 0) {
    throw new InvalidInputError(invalidDetailOf.get(cls) ?? `the ${what} is invalid`, fieldErrors);
  }
  return instance;
}

/** `@Body(InputPipe)` / `@Query(InputPipe)` / `@Param(InputPipe)`: parseInput against the parameter's type. */
@Injectable()
export class InputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const cls = metadata.metatype as (new () => object) | undefined;
    if (!cls || cls === Object || cls === String) {
      return value;
    }
    // A custom parameter decorator hands over what it read from the headers (Prefer, say).
    const what = { query: 'query', param: 'path', custom: 'request header' }[
      metadata.type as string
    ];
    return parseInput(cls, value, what ?? 'request body');
  }
}
