import { preferencesOf } from './prefer-header';

describe(preferencesOf.name, () => {
  it('should read each preference by lower-cased name, first occurrence winning', () => {
    const prefs = preferencesOf('respond-async, WAIT=10, wait=99');
    expect(prefs.get('respond-async')).toBe('');
    expect(prefs.get('wait')).toBe('10');
  });

  it('should read several Prefer headers, quoted values and drop parameters', () => {
    const prefs = preferencesOf(['return=minimal; foo=bar', 'wait="5"']);
    expect(prefs.get('return')).toBe('minimal');
    expect(prefs.get('wait')).toBe('5');
    expect(prefs.has('foo')).toBe(false);
  });

  it('should answer nothing for no header or an empty one', () => {
    expect(preferencesOf(undefined).size).toBe(0);
    expect(preferencesOf(' , ').size).toBe(0);
  });
});
