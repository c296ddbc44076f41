import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apiKeyFromAuthorization, apiKeyMatches } from '@tonle/trust-services';

describe('admin API key', () => {
  it('reads Bearer and X-Road-ApiKey schemes only', () => {
    expect(apiKeyFromAuthorization('Bearer abc')).toBe('abc');
    expect(apiKeyFromAuthorization('X-Road-ApiKey token=abc')).toBe('abc');
    expect(apiKeyFromAuthorization('Basic YWJjOmRlZg==')).toBeUndefined();
    expect(apiKeyFromAuthorization('Bearer')).toBeUndefined();
    expect(apiKeyFromAuthorization(undefined)).toBeUndefined();
  });

  it('matches only the exact key', () => {
    expect(apiKeyMatches('secret', 'secret')).toBe(true);
    expect(apiKeyMatches(undefined, 'secret')).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => apiKeyMatches(s, 'secret') === (s === 'secret')), { numRuns: 200 });
  });
});
