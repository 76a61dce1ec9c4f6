import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import type { TokenRequest } from '../../lambdas/core/ports.js';

const servers: (http.Server | net.Server)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    (s as http.Server).closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

async function listen(server: http.Server | net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
}

const request = (url: string): TokenRequest => ({
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=refresh_token&refresh_token=rt',
  grantType: 'refresh_token',
});

describe('Class: HttpTokenEndpoint', () => {
  it('returns status, Retry-After, content type and body', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
        res.end('{"error":"slow_down"}');
      }),
    );
    expect(await new HttpTokenEndpoint().send(request(url), 2000)).toEqual({
      kind: 'response',
      status: 429,
      retryAfter: '7',
      contentType: 'application/json',
      body: '{"error":"slow_down"}',
    });
  });

  it('a refused connection is "not sent": safe to retry with the same refresh token', async () => {
    const url = await listen(net.createServer());
    const port = new URL(url).port;
    await new Promise((r) => (servers.pop() as net.Server).close(r));
    const outcome = await new HttpTokenEndpoint().send(request(`http://127.0.0.1:${port}/token`), 2000);
    expect(outcome).toMatchObject({ kind: 'no-response', reason: 'network', sent: false });
  });

  it('a server that reads the request and never answers → timeout with sent=true (ambiguous)', async () => {
    const url = await listen(http.createServer((req) => req.resume()));
    const outcome = await new HttpTokenEndpoint().send(request(url), 300);
    expect(outcome).toMatchObject({ kind: 'no-response', reason: 'timeout', sent: true });
  });

  it('a response cut off mid-body → no-response, sent=true (the server did process it)', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"access_token":"a');
        setTimeout(() => res.socket?.destroy(), 20);
      }),
    );
    const outcome = await new HttpTokenEndpoint().send(request(url), 2000);
    expect(outcome).toMatchObject({ kind: 'no-response', sent: true });
  });

  it('a trickling server cannot keep the exchange alive past the deadline', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.writeHead(200);
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
      }),
    );
    const outcome = await new HttpTokenEndpoint().send(request(url), 400);
    expect(outcome).toMatchObject({ kind: 'no-response', reason: 'timeout', sent: true });
  });

  it('caps the body it keeps at 256 KiB', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.end('x'.repeat(1024 * 1024));
      }),
    );
    const outcome = await new HttpTokenEndpoint().send(request(url), 5000);
    expect(outcome.kind === 'response' && outcome.body.length).toBe(256 * 1024);
  });
});
