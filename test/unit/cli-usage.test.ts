// Usage errors never reach DynamoDB: the client here points at a closed port, so any call would fail the test with
// exit code 1 instead of the expected 2.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
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
const genesysOwn = ['--provider', 'genesys', '--region', 'us-east-1', '--grant-type', 'client_credentials'];
const zendesk = ['--provider', 'zendesk', '--subdomain', 'acme', '--grant-type', 'refresh_token', '--secret-id', 's'];
const worldReadable = (name: string, content: string) => {
  const p = file(name, content);
  chmodSync(p, 0o644);
  return p;
};
const privateFile = (name: string, content: string) => {
  const p = file(name, content);
  chmodSync(p, 0o600);
  return p;
};
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
      'a client secret file without --client-id',
      ['tenants', 'add', 'org-1', ...genesys, '--client-secret-file', '/dev/null'],
      /--client-secret-file goes with --client-id \(the org's own client\); with --secret-id the secret is in/,
    ],
    [
      '--client-id without its secret file',
      ['tenants', 'add', 'org-1', ...genesysOwn, '--client-id', 'own-client'],
      /--client-id needs --client-secret-file FILE \(or - for stdin\)/,
    ],
    [
      'both a shared and an own client',
      ['tenants', 'add', 'org-1', ...genesys, '--client-id', 'own-client', '--client-secret-file', '/dev/null'],
      /--client-id and --secret-id are two ways to give the client: give one, not both/,
    ],
    [
      'neither a shared nor an own client',
      ['tenants', 'add', 'org-1', ...genesysOwn],
      /--secret-id is required, or the org's own client \(--client-id and --client-secret-file\)/,
    ],
    [
      'a refresh token and a client secret both on stdin',
      [
        ...['tenants', 'add', 'org-1', '--provider', 'genesys', '--region', 'us-east-1'],
        ...['--grant-type', 'refresh_token', '--client-id', 'own-client', '--client-secret-file', '-'],
      ],
      /a refresh token and a client secret cannot both come from stdin/,
    ],
    [
      'an empty client secret file',
      ['tenants', 'add', 'org-1', ...genesysOwn, '--client-id', 'c', '--client-secret-file', file('cs-empty', '\n')],
      /the client secret from .*cs-empty is empty/,
    ],
    [
      'a lifetime Genesys does not take',
      ['tenants', 'add', 'org-1', ...genesys, '--expires-in', '3600'],
      /--expires-in is not supported by provider genesys/,
    ],
    [
      'a Zendesk refresh-token lifetime out of its range',
      ['tenants', 'add', 'org-1', ...zendesk, '--refresh-token-expires-in', '86400'],
      /--refresh-token-expires-in must be 604800-7776000 seconds for provider zendesk/,
    ],
    [
      'a lifetime that is no number',
      ['tenants', 'add', 'org-1', ...zendesk, '--expires-in', 'soon'],
      /--expires-in must be a whole number of seconds/,
    ],
    [
      'a Zendesk org without a refresh token (tokens before 2025-04-30 cannot be refreshed)',
      ['tenants', 'add', 'org-1', ...zendesk],
      /no refresh token: .*Zendesk issues refresh tokens only since 2025-04-30: .* must re-authorise the app/,
    ],
    ['import without a FILE', ['tenants', 'import'], /expected FILE, got 0 arguments/],
    [
      'an import file others may read',
      ['tenants', 'import', worldReadable('world.jsonl', '{}\n')],
      /world.jsonl holds secrets but its mode is 0644 .*: run `chmod 600 .*world.jsonl` and import again/,
    ],
    ['a missing import file', ['tenants', 'import', '/nonexistent/orgs.jsonl'], /cannot read .*: ENOENT/],
    [
      'an invalid SHARD_COUNT',
      ['tenants', 'list'],
      /SHARD_COUNT must be a whole number 1-64/,
      { TABLE_NAME: 'tokens', SHARD_COUNT: 'many' },
    ],
    [
      'an invalid deployment setting for refresh',
      ['tenants', 'refresh', 'org-1'],
      /ALLOWED_TOKEN_HOSTS entries must be host names/,
      { TABLE_NAME: 'tokens', ALLOWED_TOKEN_HOSTS: 'https://idp.example.com/' },
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
    ['--client-secret=…', ['tenants', 'add', 'org-1', ...genesysOwn, '--client-id', 'c', `--client-secret=${SECRET}`]],
    ['--secret', ['tenants', 'reauth', 'org-1', '--secret', SECRET]],
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

describe('Command: tenants import (validation, before any write)', () => {
  it('reports every bad line with its number and field, writes nothing, exits 1, never echoes a secret', async () => {
    const good = { orgId: 'ok-1', provider: 'genesys', region: 'us-east-1', grantType: 'client_credentials' };
    const lines = [
      JSON.stringify({ ...good, clientId: 'c', clientSecret: SECRET }),
      JSON.stringify({ ...good, orgId: 'bad-region', region: 'mars-1', clientId: 'c', clientSecret: SECRET }),
      '',
      `{"orgId": "broken", "clientSecret": "${SECRET}"`,
      JSON.stringify({ ...good, orgId: 'no-client' }),
    ];
    const run = await cli(['tenants', 'import', privateFile('bad.jsonl', lines.join('\n'))], {
      env,
      dynamoDb: unreachable,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.jsonl:2: region is not a Genesys Cloud region/);
    expect(run.stderr).toMatch(/bad\.jsonl:4: line is not valid JSON \(at character \d+\)/);
    expect(run.stderr).toMatch(/bad\.jsonl:5: clientSecretId is required, or the org's own client/);
    expect(run.stderr).toMatch(/nothing written: 3 of 4 lines are invalid; fix them, or pass --skip-invalid/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('--dry-run --json validates and counts without touching the table', async () => {
    const line = { orgId: 'dry', provider: 'genesys', region: 'us-east-1', grantType: 'client_credentials' };
    const path = privateFile('dry.jsonl', `${JSON.stringify({ ...line, clientId: 'c', clientSecret: SECRET })}\n`);
    const run = await cli(['tenants', 'import', path, '--dry-run', '--json'], { env, dynamoDb: unreachable });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 1, valid: 1, invalid: 0, written: false, added: 0 });
    expect(run.stdout).not.toContain(SECRET);
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
    [['tenants', 'import', '--help'], /^Usage: tenant-tokens \[--table NAME\] tenants import FILE/],
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
