import { isRfc3339Timestamp } from './rules';

describe(isRfc3339Timestamp.name, () => {
  it.each([
    '2026-01-31T12:00:00Z',
    '2024-02-29T00:00:00Z',
    '2000-02-29T23:59:59.999+14:00',
    '2026-12-31t23:59:59z',
    '2026-04-30T00:00:00-05:30',
  ])('should accept %s', (value) => {
    expect(isRfc3339Timestamp(value)).toBe(true);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-32T00:00:00Z',
    '2026-01-01',
    '2026-01-01T10:00:00',
    'yesterday',
    null,
    1767225600,
  ])('should refuse %s', (value) => {
    expect(isRfc3339Timestamp(value)).toBe(false);
  });
});
