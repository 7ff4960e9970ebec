import { encodeMessage, SalesRecordedV1 } from '@app/contracts';
import { FAILURE_ATTRIBUTES } from '@app/messaging/batch-processor';
import { markRedriven, ORIGIN_ATTRIBUTE, withTraceAttributes } from './sqs-carrier';

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function contractAttributes() {
  const message = Object.assign(new SalesRecordedV1(), {
    paymentId: '0b7d4a3e-5a43-4d8e-9a0c-3f1c2d6e7a10',
    recordedAt: '2026-12-01T10:00:00.000Z',
  });
  return encodeMessage(message, 'req-1').attributes;
}

describe('SQS trace carrier', () => {
  it('should keep a dead-lettered copy with trace context within SQS’s ten attributes', () => {
    const traced = withTraceAttributes(contractAttributes(), PARENT, 'vendor=value');
    const deadLettered = {
      ...traced,
      ...Object.fromEntries(
        Object.values(FAILURE_ATTRIBUTES).map((name) => [
          name,
          { DataType: 'String', StringValue: 'x' },
        ]),
      ),
    };
    expect(traced.traceparent?.StringValue).toBe(PARENT);
    expect(traced.tracestate?.StringValue).toBe('vendor=value');
    expect(Object.keys(deadLettered).length).toBeLessThanOrEqual(10);
  });

  it('should leave a message without stored context as it was', () => {
    const attributes = contractAttributes();
    expect(withTraceAttributes(attributes, null, null)).toBe(attributes);
  });

  it('should turn a redriven message’s parent into its origin', () => {
    const redriven = markRedriven(withTraceAttributes(contractAttributes(), PARENT, 'a=b'));
    expect(redriven[ORIGIN_ATTRIBUTE]?.StringValue).toBe(PARENT);
    expect(redriven.traceparent).toBeUndefined();
    expect(redriven.tracestate).toBeUndefined();
    expect(redriven.correlationId?.StringValue).toBe('req-1');
  });
});
