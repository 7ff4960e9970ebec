import { clientForKey, loadApiKeys } from './api-keys';

describe(loadApiKeys.name, () => {
  it('should parse name:key pairs and find the client of a key', () => {
    const keys = loadApiKeys('alpha:aaaaaaaaaaaaaaaaaaaa,beta:bbbbbbbbbbbbbbbbbbbb', undefined);
    expect(keys.map((k) => k.name)).toEqual(['alpha', 'beta']);
    expect(clientForKey(keys, 'bbbbbbbbbbbbbbbbbbbb')).toBe('beta');
    expect(clientForKey(keys, 'bbbbbbbbbbbbbbbbbbb')).toBeUndefined();
    expect(clientForKey(keys, '')).toBeUndefined();
  });

  it('should reject a short key without echoing it', () => {
    expect(() => loadApiKeys('alpha:short-secret', undefined)).toThrow(/entry 1/);
    expect(() => loadApiKeys('alpha:short-secret', undefined)).not.toThrow(/short-secret/);
  });
});
