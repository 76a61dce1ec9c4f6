// DynamoDB Local's parser sometimes fails a well-formed expression under concurrent requests with a Java array error
// as the message; localDynamoDbClient sends such a request again (twice at most). Any other ValidationException —
// a real one — is an error at once. A loopback server stands in for DynamoDB Local to answer exactly that.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';

let server: Server | undefined;

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Answers each request with the next of `messages` as a ValidationException, then with an empty table list. */
async function dynamoDbLocal(messages: string[]): Promise<{ endpoint: string; requests: () => number }> {
  let requests = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const message = messages[requests++];
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (message === undefined) return res.end(JSON.stringify({ TableNames: [] }));
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message }));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, requests: () => requests };
}

describe('localDynamoDbClient', () => {
  it('sends a request again when DynamoDB Local’s parser fails a well-formed expression', async () => {
    const local = await dynamoDbLocal(['Invalid FilterExpression: Index 21 out of bounds for length 0']);
    const client = localDynamoDbClient(local.endpoint, { maxAttempts: 1 });
    await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    expect(local.requests()).toBe(2);
    client.destroy();
  });

  it('keeps a real ValidationException an error, and gives up on the glitch after three tries', async () => {
    const real = await dynamoDbLocal(['Invalid FilterExpression: Syntax error; token: "<EOF>"']);
    const client = localDynamoDbClient(real.endpoint, { maxAttempts: 1 });
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(/Syntax error/);
    expect(real.requests()).toBe(1);
    client.destroy();
    server?.close();
    server = undefined;

    const glitch = 'Invalid KeyConditionExpression: Index 3 out of bounds for length 0';
    const stuck = await dynamoDbLocal([glitch, glitch, glitch, glitch]);
    const again = localDynamoDbClient(stuck.endpoint, { maxAttempts: 1 });
    await expect(again.send(new ListTablesCommand({}))).rejects.toThrow(/out of bounds/);
    expect(stuck.requests()).toBe(3);
    again.destroy();
  });
});
