import { IsInt, IsString, ValidateIf } from 'class-validator';
import { InvalidInputError } from './errors';
import { MAX_NESTING_DEPTH, parseInput } from './validation';

class Sample {
  @IsString()
  name!: string;

  @ValidateIf((_o, value) => value !== undefined)
  @IsInt()
  count?: number;
}

function fieldErrorsOf(plain: unknown): { field: string; message: string }[] {
  try {
    parseInput(Sample, plain);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).fieldErrors;
  }
  throw new Error('parseInput accepted the input');
}

describe(parseInput.name, () => {
  it('should return an instance of the class for valid input', () => {
    const parsed = parseInput(Sample, { name: 'a', count: 2 });
    expect(parsed).toBeInstanceOf(Sample);
    expect(parsed).toEqual({ name: 'a', count: 2 });
  });

  it.each(['toString', 'valueOf', 'constructor', 'hasOwnProperty', 'isPrototypeOf'])(
    'should refuse an unknown field named %s like any other unknown field',
    (name) => {
      expect(fieldErrorsOf({ name: 'a', [name]: 'x' })).toEqual([
        { field: name, message: `${name} is not an accepted field` },
      ]);
    },
  );

  it('should refuse an own __proto__ key as an unknown field', () => {
    expect(fieldErrorsOf(JSON.parse('{"name":"a","__proto__":{"count":1}}'))).toEqual([
      { field: '__proto__', message: '__proto__ is not an accepted field' },
    ]);
  });

  it('should refuse a field nested deeper than the limit without transforming it', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) {
      deep = [deep];
    }
    expect(fieldErrorsOf({ name: deep, count: 'x' })).toEqual([
      { field: 'name', message: expect.stringMatching(/nested too deeply/) },
      { field: 'count', message: expect.stringMatching(/integer/) },
    ]);
  });

  it(`should let a body nest ${MAX_NESTING_DEPTH} levels in all`, () => {
    let value: unknown = 'x';
    for (let i = 0; i < MAX_NESTING_DEPTH - 1; i += 1) {
      value = [value];
    }
    expect(fieldErrorsOf({ name: value })).toEqual([
      { field: 'name', message: 'name must be a string' },
    ]);
    expect(fieldErrorsOf({ name: [value] })).toEqual([
      { field: 'name', message: expect.stringMatching(/nested too deeply/) },
    ]);
  });

  it('should refuse null for an optional field, and take an absent one', () => {
    expect(fieldErrorsOf({ name: 'a', count: null })).toEqual([
      { field: 'count', message: expect.stringMatching(/integer/) },
    ]);
    expect(parseInput(Sample, { name: 'a' })).toEqual({ name: 'a' });
  });
});
