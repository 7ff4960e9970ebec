import { terminalSafe, terminalSafeJson } from './terminal-safe';

const HOSTILE = 'a\u001b[2J\u001b]0;title\u0007b\u009b31mc\u202ed\r\ne\tf\u007f';

describe(terminalSafe.name, () => {
  it('should show every control character as an escape, keeping the printable text', () => {
    const safe = terminalSafe(HOSTILE);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(safe).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(safe).toBe(
      'a\\u001b[2J\\u001b]0;title\\u0007b\\u009b31mc\\u202ed\\u000d\\u000ae\\u0009f\\u007f',
    );
    expect(terminalSafe('payment.recorded 7d9f…')).toBe('payment.recorded 7d9f…');
  });
});

describe(terminalSafeJson.name, () => {
  it('should give JSON that parses to the same value and holds no control character', () => {
    const value = { body: HOSTILE, nested: [HOSTILE] };
    for (const json of [terminalSafeJson(value), terminalSafeJson(value, 2)]) {
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(json.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
      expect(JSON.parse(json)).toEqual(value);
    }
  });
});
