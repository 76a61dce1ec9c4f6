import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildHandler, createHandlerParts, powertoolsLog, safeLogFields } from '../../lambdas/refresher/handler.js';

// handler.ts builds its default handler from the environment when it loads, as Lambda's cold start does.
vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'unit-test-table';
});

describe('Function: powertoolsLog', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps a field named message (Powertools would drop it as a reserved key)', () => {
    // Prepare
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const log = powertoolsLog(new Logger({ serviceName: 'test' }));

    // Act
    log.error('grant is dead', { orgId: 'org-1', code: 'INVALID_GRANT', message: 'invalid_grant: grant revoked' });

    // Assess
    const lines = written.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({
      message: 'grant is dead',
      errorMessage: 'invalid_grant: grant revoked',
      orgId: 'org-1',
    });
  });

  it('renames every reserved key instead of dropping it', () => {
    expect(safeLogFields({ level: 1, service: 2, timestamp: 3, sampling_rate: 4, other: 5 })).toEqual({
      field_level: 1,
      field_service: 2,
      field_timestamp: 3,
      field_sampling_rate: 4,
      other: 5,
    });
  });

  it("the handler's rejection of a bad invocation logs why, not just the code", async () => {
    const lines: string[] = [];
    const write = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(write);
    vi.spyOn(process.stderr, 'write').mockImplementation(write);
    const handler = buildHandler(createHandlerParts({ TABLE_NAME: 'tokens' }));
    const context = { awsRequestId: 'r', functionName: 'f', getRemainingTimeInMillis: () => 1000 } as never;

    await handler({ orgIds: 'acme' }, context);

    const logged = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.message === 'rejected invocation');
    expect(logged).toEqual([
      expect.objectContaining({ code: 'INVALID_EVENT', errorMessage: expect.stringContaining('orgIds') }),
    ]);
    expect(lines.filter((l) => l.includes('reserved key'))).toEqual([]);
  });
});
