import { AuthFailureCounter } from './auth-failures';

describe(AuthFailureCounter.name, () => {
  it('should block a source after the limit until the window ends, leaving others alone', () => {
    let now = 1_000_000;
    const counter = new AuthFailureCounter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(counter.blockedFor('10.0.0.1')).toBeUndefined();
      counter.record('10.0.0.1');
    }
    expect(counter.blockedFor('10.0.0.1')).toBe(60);
    expect(counter.blockedFor('10.0.0.2')).toBeUndefined();
    now += 59_500;
    expect(counter.blockedFor('10.0.0.1')).toBe(1);
    now += 500;
    expect(counter.blockedFor('10.0.0.1')).toBeUndefined();
  });
});
