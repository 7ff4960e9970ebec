import { PermanentMessageError } from '@app/contracts';
import { classifyFailure, DependencyUnavailableError, isSqsUnavailable } from './failure-kind';

describe(classifyFailure.name, () => {
  const database = (err: unknown) =>
    (err as { code?: string }).code === 'ECONNREFUSED' ? 'sales DB' : undefined;

  it('should sort failures into permanent, infrastructure and transient', () => {
    expect(classifyFailure(new PermanentMessageError('INVALID_MESSAGE', 'bad'), database)).toEqual({
      kind: 'permanent',
    });
    expect(
      classifyFailure(new DependencyUnavailableError('payment-status queue', new Error('x'))),
    ).toEqual({ kind: 'infrastructure', dependency: 'payment-status queue' });
    expect(
      classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), database),
    ).toEqual({ kind: 'infrastructure', dependency: 'sales DB' });
    expect(
      classifyFailure(Object.assign(new Error('x'), { code: 'ER_LOCK_DEADLOCK' }), database),
    ).toEqual({ kind: 'transient' });
    expect(classifyFailure(new TypeError('a bug'), database)).toEqual({ kind: 'transient' });
  });
});

describe(isSqsUnavailable.name, () => {
  it('should see a missing queue, a timeout, a refused connection and a 5xx as SQS unavailable', () => {
    expect(isSqsUnavailable(Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' }))).toBe(
      true,
    );
    expect(isSqsUnavailable(Object.assign(new Error('slow'), { name: 'TimeoutError' }))).toBe(true);
    expect(isSqsUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isSqsUnavailable({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
  });

  it('should not see a refused request as SQS unavailable', () => {
    expect(
      isSqsUnavailable(
        Object.assign(new Error('x'), {
          name: 'InvalidParameterValue',
          $metadata: { httpStatusCode: 400 },
        }),
      ),
    ).toBe(false);
    expect(isSqsUnavailable('nope')).toBe(false);
  });
});
