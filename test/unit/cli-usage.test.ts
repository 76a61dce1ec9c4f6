// Usage errors never reach DynamoDB: the client here points at a closed port, so any call would fail the test with
// exit code 1 instead of the expected 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli-io.js';

const unreachable = new DynamoDBClient({
  endpoint: 'http://127.0.0.1:9',
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});
const env = { TABLE_NAME: 'tokens' };
const SECRET = 'rt-SHOULD-NEVER-BE-ECHOED-0123456789';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-usage-'));
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const genesys = ['--provider', 'genesys', '--region', 'us-east-1', '--grant-type', 'refresh_token', '--secret-id', 's'];
const generic = ['--provider', 'generic', '--grant-type', 'client_credentials', '--secret-id', 's'];

describe('Command: tenant-tokens (usage errors, exit 2)', () => {
  it.each<[string, string[], RegExp, Record<string, string>?]>([
    ['no command', [], /no command given/],
    ['an unknown noun', ['users', 'list'], /unknown command "users": expected "tenants"/],
    ['no tenants command', ['tenants'], /no tenants command given/],
    [
      'an unknown tenants command',
      ['tenants', 'frobnicate'],
      /unknown tenants command "frobnicate": expected add, list/,
    ],
    ['an unknown global option', ['--verbose', 'tenants', 'list'], /unknown option --verbose/],
    ['--table without a value', ['--table'], /--table needs a table name/],
    ['an unknown command option', ['tenants', 'list', '--all'], /unknown option --all/],
    ['an option without its value', ['tenants', 'add', 'org-1', '--provider'], /option --provider needs a value/],
    ['a stray argument', ['tenants', 'list', 'extra'], /expected no arguments, got 1 argument/],
    ['a missing ORG', ['tenants', 'show'], /expected ORG, got 0 arguments/],
    ['two ORGs', ['tenants', 'disable', 'a', 'b'], /expected ORG, got 2 arguments/],
    ['an invalid ORG', ['tenants', 'show', 'bad org!'], /ORG must be 1-128 characters/],
    ['no table', ['tenants', 'list'], /no table: pass --table NAME or set TABLE_NAME/, {}],
    ['a bad table name', ['--table', 'a b', 'tenants', 'list'], /--table must be a DynamoDB table name/],
    ['--table twice, different', ['--table', 'one', 'tenants', 'list', '--table', 'two'], /--table was given twice/],
    [
      'add without provider, grant type, secret',
      ['tenants', 'add', 'org-1'],
      /--provider is required; --grant-type is required; --secret-id is required/,
    ],
    [
      'an unknown provider',
      ['tenants', 'add', 'org-1', '--provider', 'okta'],
      /--provider must be one of genesys, zendesk, generic/,
    ],
    [
      'an unknown grant type',
      ['tenants', 'add', 'org-1', '--grant-type', 'password'],
      /--grant-type must be one of refresh_token, client_credentials/,
    ],
    [
      'genesys without a region',
      ['tenants', 'add', 'org-1', '--provider', 'genesys', '--grant-type', 'refresh_token', '--secret-id', 's'],
      /--region is required for provider genesys/,
    ],
    [
      'genesys with an unknown region',
      ['tenants', 'add', 'org-1', ...genesys.slice(0, 2), '--region', 'mars-1', ...genesys.slice(4)],
      /--region is not a Genesys Cloud region \(expected one of us-east-1/,
    ],
    [
      'zendesk without a subdomain',
      ['tenants', 'add', 'org-1', '--provider', 'zendesk', '--grant-type', 'refresh_token', '--secret-id', 's'],
      /--subdomain is required for provider zendesk/,
    ],
    [
      'a bad subdomain',
      [
        'tenants',
        'add',
        'o',
        '--provider',
        'zendesk',
        '--subdomain',
        'Acme.Corp',
        '--grant-type',
        'refresh_token',
        '--secret-id',
        's',
      ],
      /--subdomain must be a DNS label/,
    ],
    [
      'an option of another provider',
      ['tenants', 'add', 'org-1', ...genesys, '--subdomain', 'acme'],
      /--subdomain is for provider zendesk, not genesys/,
    ],
    [
      'generic without a token URL',
      ['tenants', 'add', 'org-1', ...generic],
      /--token-url is required for provider generic/,
    ],
    [
      'a plain-http token URL',
      ['tenants', 'add', 'org-1', ...generic, '--token-url', 'http://idp.example.com/token'],
      /--token-url: token URL must use https/,
    ],
    [
      'a token URL off ALLOWED_TOKEN_HOSTS',
      ['tenants', 'add', 'org-1', ...generic, '--token-url', 'https://evil.example.net/token'],
      /--token-url: token host evil.example.net is not on the generic allow-list \(ALLOWED_TOKEN_HOSTS\): add it/,
      { TABLE_NAME: 'tokens', ALLOWED_TOKEN_HOSTS: 'idp.example.com' },
    ],
    [
      'a token URL that is no URL',
      ['tenants', 'add', 'org-1', ...generic, '--token-url', 'not a url'],
      /--token-url: token URL for provider generic is not a valid URL/,
    ],
    [
      'a bad client auth',
      ['tenants', 'add', 'org-1', ...generic, '--token-url', 'https://idp.example.com/t', '--client-auth', 'jwt'],
      /--client-auth must be basic or post/,
    ],
    [
      'an org param for genesys',
      ['tenants', 'add', 'org-1', ...genesys, '--org-param', 'organization_id'],
      /--org-param is not used by provider genesys/,
    ],
    [
      'a bad org param name',
      ['tenants', 'add', 'org-1', ...generic, '--token-url', 'https://idp.example.com/t', '--org-param', 'org id'],
      /--org-param must be a form parameter name/,
    ],
    [
      'a refresh token file for client credentials',
      [
        'tenants',
        'add',
        'org-1',
        ...generic,
        '--token-url',
        'https://idp.example.com/t',
        '--refresh-token-file',
        '/dev/null',
      ],
      /--refresh-token-file is for refresh_token orgs/,
    ],
    [
      'no refresh token when stdin is a terminal',
      ['tenants', 'add', 'org-1', ...genesys],
      /no refresh token: pass --refresh-token-file FILE or pipe it on stdin/,
    ],
    [
      'a missing refresh token file',
      ['tenants', 'add', 'org-1', ...genesys, '--refresh-token-file', '/nonexistent/rt'],
      /cannot read --refresh-token-file \/nonexistent\/rt: ENOENT/,
    ],
    [
      'an empty refresh token file',
      ['tenants', 'add', 'org-1', ...genesys, '--refresh-token-file', file('empty', '\n')],
      /the refresh token from .*empty is empty/,
    ],
    [
      'a refresh token with spaces',
      ['tenants', 'add', 'org-1', ...genesys, '--refresh-token-file', file('spaces', 'two words\n')],
      /must be one line of printable characters without spaces/,
    ],
    [
      'an invalid SHARD_COUNT',
      ['tenants', 'list'],
      /SHARD_COUNT must be a whole number 1-64/,
      { TABLE_NAME: 'tokens', SHARD_COUNT: 'many' },
    ],
    [
      'an invalid refresher setting for refresh',
      ['tenants', 'refresh', 'org-1'],
      /HTTP_TIMEOUT_MS must be a number/,
      { TABLE_NAME: 'tokens', HTTP_TIMEOUT_MS: 'slow' },
    ],
  ])('refuses %s', async (_case, argv, message, caseEnv) => {
    // Act
    const run = await cli(argv, { env: caseEnv ?? env, dynamoDb: unreachable });

    // Assess
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['--refresh-token', ['tenants', 'add', 'org-1', ...genesys, '--refresh-token', SECRET]],
    ['--refresh-token=…', ['tenants', 'add', 'org-1', ...genesys, `--refresh-token=${SECRET}`]],
    ['--refresh_token', ['tenants', 'reauth', 'org-1', '--refresh_token', SECRET]],
    ['--access-token', ['tenants', 'add', 'org-1', '--access-token', SECRET]],
    ['--token', ['--table', 'tokens', 'tenants', 'reauth', 'org-1', `--token=${SECRET}`]],
    ['--client-secret', ['tenants', 'add', 'org-1', ...genesys, '--client-secret', SECRET]],
  ])('refuses a secret given on the command line (%s), saying why, without echoing it', async (_flag, argv) => {
    const run = await cli(argv, { env, dynamoDb: unreachable, stdin: 'rt-from-stdin' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing --[a-z_-]+: a token or secret on the command line is visible to other users/);
    expect(run.stderr).toMatch(/--refresh-token-file FILE, or pipe it on stdin/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('never echoes a stray argument (it may be a token pasted in the wrong place)', async () => {
    const run = await cli(['tenants', 'show', 'org-1', SECRET], { env, dynamoDb: unreachable });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain(SECRET);
  });

  it('never echoes an unknown command word that could be a secret', async () => {
    const run = await cli(['tenants', SECRET], { env, dynamoDb: unreachable });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"(not shown)"');
    expect(run.stderr).not.toContain(SECRET);
  });
});

describe('Command: tenant-tokens --help', () => {
  it.each([
    [['--help'], /^Usage: tenant-tokens \[--table NAME\] tenants <command>/],
    [['-h'], /^Usage: tenant-tokens \[--table NAME\] tenants <command>/],
    [['help'], /^Usage: tenant-tokens \[--table NAME\] tenants <command>/],
    [['tenants', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants <add\|list/],
    [['tenants', 'add', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants add ORG --provider/],
    [['tenants', 'list', '-h'], /^Usage: tenant-tokens \[--table NAME\] tenants list \[--json\]/],
    [['tenants', 'show', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants show ORG/],
    [['tenants', 'refresh', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants refresh ORG/],
    [['tenants', 'disable', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants disable ORG/],
    [['tenants', 'enable', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants enable ORG/],
    [['tenants', 'reauth', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants reauth ORG/],
  ])('%j prints its help and exits 0', async (argv, usage) => {
    const run = await cli(argv, { env: {}, dynamoDb: unreachable });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(usage);
    expect(run.stderr).toBe('');
  });

  it("ends a usage error with the command's synopsis and where its help is", async () => {
    const run = await cli(['tenants', 'show'], { env, dynamoDb: unreachable });
    expect(run.stderr).toContain('Usage: tenant-tokens [--table NAME] tenants show ORG [--json]');
    expect(run.stderr).toContain('Run `tenant-tokens tenants show --help` for details.');
  });
});
