import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, timingProblems } from '../../lambdas/config.js';

const base = { TABLE_NAME: 'tokens' };

describe('Function: loadConfig', () => {
  it('applies documented defaults (10-minute window, 1-minute schedule)', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      tableName: 'tokens',
      refreshWindowMs: 600_000,
      schedulePeriodMs: 60_000,
      leaseMs: 60_000,
      httpTimeoutMs: 10_000,
      concurrency: 16,
      shardCount: 4,
      allowedTokenHosts: [],
      allowLoopbackHttp: false,
      tokenEndpointOverride: undefined,
      refreshTokenWarningMs: 7 * 86_400_000,
    });
  });

  it('parses the host allow-list, lower-cased and trimmed', () => {
    expect(
      loadConfig({ ...base, ALLOWED_TOKEN_HOSTS: ' IdP.example.com , *.corp.example.net ,' }).allowedTokenHosts,
    ).toEqual(['idp.example.com', '*.corp.example.net']);
  });

  it.each([
    [{}, 'TABLE_NAME is required'],
    [{ ...base, TABLE_NAME: 'x' }, 'TABLE_NAME must be a DynamoDB table name'],
    [{ ...base, CONCURRENCY: 'lots' }, 'CONCURRENCY must be a number'],
    [{ ...base, CONCURRENCY: '0' }, 'CONCURRENCY must be at least 1'],
    [{ ...base, SHARD_COUNT: '1.5' }, 'SHARD_COUNT must be a whole number'],
    [{ ...base, HTTP_TIMEOUT_MS: '99999999' }, 'HTTP_TIMEOUT_MS must be at most 60000'],
    [
      { ...base, ALLOWED_TOKEN_HOSTS: 'https://idp.example.com/token' },
      'ALLOWED_TOKEN_HOSTS entries must be host names',
    ],
    [{ ...base, ALLOW_LOOPBACK_HTTP: 'yes' }, 'ALLOW_LOOPBACK_HTTP: must be "true" or "false"'],
    [{ ...base, REFRESH_TOKEN_WARNING_SECONDS: '7d' }, 'REFRESH_TOKEN_WARNING_SECONDS must be a number of seconds'],
    [{ ...base, REFRESH_TOKEN_WARNING_SECONDS: '60' }, 'REFRESH_TOKEN_WARNING_SECONDS must be at least 3600'],
    [{ ...base, REFRESH_TOKEN_WARNING_SECONDS: '9999999' }, 'REFRESH_TOKEN_WARNING_SECONDS must be at most 7776000'],
    [
      { ...base, ALLOW_LOOPBACK_HTTP: 'true', TOKEN_ENDPOINT_OVERRIDE: 'http://10.1.2.3:80' },
      'TOKEN_ENDPOINT_OVERRIDE must be a loopback origin',
    ],
    [
      { ...base, TOKEN_ENDPOINT_OVERRIDE: 'http://127.0.0.1:4000' },
      'TOKEN_ENDPOINT_OVERRIDE needs ALLOW_LOOPBACK_HTTP=true',
    ],
    [{ ...base, REFRESH_WINDOW_SECONDS: '120' }, 'REFRESH_WINDOW_SECONDS (120) must be at least'],
  ])('%j → a ConfigError naming the variable: %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('lists every problem at once, not just the first', () => {
    try {
      loadConfig({ CONCURRENCY: '0', SHARD_COUNT: 'x' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(3);
      expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    }
  });
});

describe('Function: timingProblems', () => {
  const ok = {
    refreshWindowSeconds: 600,
    schedulePeriodSeconds: 60,
    lambdaTimeoutSeconds: 180,
    leaseSeconds: 60,
    httpTimeoutMs: 10_000,
    maxAttempts: 3,
  };

  it('accepts the defaults', () => {
    expect(timingProblems(ok)).toEqual([]);
  });

  it.each([
    [{ refreshWindowSeconds: 299 }, 'REFRESH_WINDOW_SECONDS (299) must be at least'],
    [{ httpTimeoutMs: 25_000 }, 'must be at most a third of LEASE_SECONDS'],
    [{ maxAttempts: 6 }, 'LEASE_SECONDS (60) must exceed HTTP_TIMEOUT_MS × MAX_ATTEMPTS'],
    [
      { lambdaTimeoutSeconds: 125, refreshWindowSeconds: 600 },
      'LAMBDA_TIMEOUT_SECONDS (125) must exceed a lease hold, 2 × LEASE_SECONDS + 5 s (125 s)',
    ],
  ])('%j → %s', (change, message) => {
    expect(timingProblems({ ...ok, ...change }).join('\n')).toContain(message);
  });

  it('a Lambda timeout just over a lease hold is enough: the run claims with a whole hold left', () => {
    expect(timingProblems({ ...ok, lambdaTimeoutSeconds: 126 })).toEqual([]);
  });

  it('the lease fits every attempt with 5 s for the pauses between them, and no more is asked of it', () => {
    expect(timingProblems({ ...ok, leaseSeconds: 36, httpTimeoutMs: 10_000, lambdaTimeoutSeconds: 180 })).toEqual([]);
    expect(timingProblems({ ...ok, leaseSeconds: 35, httpTimeoutMs: 10_000 }).join('\n')).toContain(
      'LEASE_SECONDS (35) must exceed HTTP_TIMEOUT_MS × MAX_ATTEMPTS + 5 s for the pauses between attempts (35 s)',
    );
  });
});
