// Issue 16, path 2: every DynamoDB call the Lambdas make has a time bound. Against a "DynamoDB" on loopback that
// accepts connections and never answers (a stalled store): the client the Lambdas build gives up after its request
// timeout instead of waiting forever, and a commit gives up at the bound the commit window hands it.

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_TIMEOUTS } from '../../lambdas/adapters/dynamodb-client.js';
import { createDocumentClient, DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.js';

let server: net.Server;
const sockets = new Set<net.Socket>();
let endpoint: string;
const saved: Record<string, string | undefined> = {};
const ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  // One attempt, so the test waits one request timeout; Lambda keeps the SDK's 3 (each one bounded the same way).
  AWS_MAX_ATTEMPTS: '1',
};

beforeAll(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {}); // read everything, answer nothing
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [k, v] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_DYNAMODB: endpoint })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const request = {
  orgId: 'stalled',
  claimedVersion: 1,
  owner: 'run-A',
  accessToken: 'a',
  refreshToken: 'r',
  tokenType: 'Bearer',
  grantedScope: undefined,
  expiresAt: 1,
  refreshAt: 1,
  dueShard: 0,
  refreshedAt: 1,
};

describe('A stalled DynamoDB', () => {
  it("the Lambdas' client (createDocumentClient, as the handler builds it) gives up after its request timeout", async () => {
    const store = new DynamoDbTokenStore({ tableName: 'tokens', client: createDocumentClient() });
    const started = Date.now();

    const error = await store.get('stalled').catch((err: unknown) => err as Error);

    const took = Date.now() - started;
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(took).toBeGreaterThanOrEqual(DYNAMODB_TIMEOUTS.requestTimeout - 100);
    expect(took).toBeLessThan(DYNAMODB_TIMEOUTS.requestTimeout + 3_000);
  });

  it('a commit gives up at the bound it was given, well before the request timeout', async () => {
    const store = new DynamoDbTokenStore({ tableName: 'tokens', client: createDocumentClient() });
    const started = Date.now();

    const error = await store.commit(request, { timeoutMs: 300 }).catch((err: unknown) => err as Error);

    expect(error).toBeInstanceOf(Error);
    expect(error?.name).not.toBe('ConditionFailedError');
    expect(Date.now() - started).toBeLessThan(DYNAMODB_TIMEOUTS.requestTimeout - 500);
  });
});
