// The Python example (examples/python/read_token.py) against DynamoDB Local, with Debian's python3-boto3
// (.ci/run installs it). The Python tests seed their own items into a table created here with the real schema.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { createTokenTable, deleteTokenTable, localDynamoDbClient } from '../../local/dynamodb-local.js';

const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

function boto3Missing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} with boto3 is not available (Debian: apt-get install python3-boto3; .ci/run installs it)`;
  }
}

const missing = boto3Missing();
// .ci/run installs python3-boto3 and sets REQUIRE_PYTHON_READER, so CI fails instead of skipping.
if (missing && process.env.REQUIRE_PYTHON_READER) throw new Error(missing);
if (missing) console.warn(`skipping the Python example's tests: ${missing}`);

describe.skipIf(missing !== undefined)('Python example: read_token.py', () => {
  it('passes its unittest suite against DynamoDB Local (projection, cache, every error, Python 3.9 syntax)', async () => {
    // Prepare
    const endpoint = inject('dynamoDbEndpoint');
    const table = `py-tokens-${randomUUID().slice(0, 8)}`;
    const ddb = localDynamoDbClient(endpoint);
    await createTokenTable(ddb, table);
    try {
      // Act
      const out = await run(PYTHON, ['-m', 'unittest', '-v', 'test_read_token'], {
        cwd: path.resolve('examples/python'),
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: table,
          AWS_ENDPOINT_URL_DYNAMODB: endpoint,
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_EC2_METADATA_DISABLED: 'true',
          PYTHONDONTWRITEBYTECODE: '1',
        },
        timeout: 60_000,
      }).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`python tests failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
      });

      // Assess: unittest reports on stderr
      expect(out.stderr).toMatch(/Ran 1[0-9] tests/);
      expect(out.stderr).toMatch(/\nOK\n?$/);
    } finally {
      await deleteTokenTable(ddb, table);
      ddb.destroy();
    }
  });
});
