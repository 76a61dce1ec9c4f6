// The core logs a scrubbed error text as the field `message`; Powertools reserves that key for the log line's own
// message and drops an extra field of that name (with a warning). The adapter must keep it under another name.
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';

// handler.ts builds the Lambda handler from the environment when imported.
vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-powertools-log';
});
const { buildHandler, createHandlerParts, powertoolsLog } = await import('../../lambdas/refresher/handler.js');

function capture(): string[] {
  const lines: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(write);
  vi.spyOn(process.stderr, 'write').mockImplementation(write);
  return lines;
}

describe('Function: powertoolsLog', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps the error text of a `message` field as errorMessage, without a reserved-key warning', () => {
    const lines = capture();
    const log = powertoolsLog(new Logger({ serviceName: 'test' }));

    log.error('refresh failed', {
      orgId: 'acme',
      code: 'PROVIDER_UNAVAILABLE',
      message: 'token endpoint answered 503',
    });

    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'refresh failed',
      orgId: 'acme',
      code: 'PROVIDER_UNAVAILABLE',
      errorMessage: 'token endpoint answered 503',
    });
  });

  it('passes other fields through unchanged', () => {
    const lines = capture();
    powertoolsLog(new Logger({ serviceName: 'test' })).info('run summary', { summary: { refreshed: 3 } });
    expect(JSON.parse(lines[0] as string)).toMatchObject({ message: 'run summary', summary: { refreshed: 3 } });
  });

  it("the handler's rejection of a bad invocation logs why, not just the code", async () => {
    const lines = capture();
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
