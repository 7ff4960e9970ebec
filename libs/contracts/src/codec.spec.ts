import { parseMessage, PermanentMessageError, readMetadata } from './codec';
import { PAYMENT_RECORDED } from './messages';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202e]/;

describe(parseMessage.name, () => {
  it('should describe a hostile type or version without its control characters', () => {
    for (const body of [
      { type: '\u001b]0;owned\u0007\u009b31m\u202e', version: 1 },
      { type: PAYMENT_RECORDED, version: '\u001b[2J' },
    ]) {
      let error: unknown;
      try {
        parseMessage(JSON.stringify(body), [PAYMENT_RECORDED]);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PermanentMessageError);
      expect((error as Error).message).not.toMatch(CONTROLS);
      expect((error as Error).message).toMatch(/\\u001b|\\u009b/);
    }
  });
});

describe(readMetadata.name, () => {
  it('should keep a correlationId shaped like a request id and drop anything else', () => {
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    expect(readMetadata({ correlationId: text('req-1:ab.C_9') }).correlationId).toBe(
      'req-1:ab.C_9',
    );
    expect(readMetadata({ correlationId: text('x\u001b[31m') }).correlationId).toBeUndefined();
    expect(readMetadata({ correlationId: text('x'.repeat(129)) }).correlationId).toBeUndefined();
  });
});
