// Sends one token request over node:http(s). Written on the raw client rather than fetch because the refresher must
// know one thing fetch hides: whether the request had been fully sent when the exchange failed. Before that point a
// retry is safe; after it the server may have rotated the refresh token (the "ambiguous" failure class,
// docs/design.md).
import type * as HttpModule from 'node:http';
import type * as HttpsModule from 'node:https';
import { createRequire as requireFrom } from 'node:module';
import type { HttpOutcome, ProviderRequest, TokenEndpoint, TokenRequest } from '../core/ports.js';

// Loaded with require, not `import`: an ES import of node:http makes Node build the module's namespace, which
// evaluates its lazy WebSocket/MessageEvent exports and so loads undici — 40-90 ms of CPU at every cold start for
// code this adapter never uses (bench/ "cold start", docs/performance.md). Aliased: the bundle's banner declares
// `createRequire` and `require` at the top level already.
const requireBuiltin = requireFrom(import.meta.url);
const http = requireBuiltin('node:http') as typeof HttpModule;
const https = requireBuiltin('node:https') as typeof HttpsModule;

/** Token responses are small; a larger body is an error page or an attack, and is cut off. */
const MAX_RESPONSE_BYTES = 256 * 1024;

const keepAliveAgents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export class HttpTokenEndpoint implements TokenEndpoint {
  send(request: ProviderRequest | TokenRequest, timeoutMs: number): Promise<HttpOutcome> {
    const url = new URL(request.url);
    const transport = url.protocol === 'https:' ? https : http;
    const agent = keepAliveAgents[url.protocol as 'http:' | 'https:'];
    const body = Buffer.from(request.body, 'utf8');

    return new Promise<HttpOutcome>((resolve) => {
      let sent = false;
      let settled = false;
      const settle = (outcome: HttpOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };

      const req = transport.request(url, {
        // A revocation at a provider's own endpoint may be a DELETE; token requests are POSTs.
        method: request.method ?? 'POST',
        agent,
        headers: { ...request.headers, 'content-length': String(body.length) },
      });
      // One deadline for the whole exchange (connect, send, wait, read), not an idle timer that a trickling server
      // could keep alive past the lease.
      const timer = setTimeout(() => {
        settle({ kind: 'no-response', reason: 'timeout', sent, detail: `no complete answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);

      req.on('finish', () => {
        sent = true;
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        settle({ kind: 'no-response', reason: 'network', sent, detail: err.code ?? err.name });
      });
      req.on('response', (res) => {
        // An answer started: the server has the request. From here on a failure is a broken response, not silence.
        sent = true;
        const chunks: Buffer[] = [];
        let size = 0;
        const respond = () => {
          const retryAfter = res.headers['retry-after'];
          settle({
            kind: 'response',
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          });
        };
        res.on('data', (chunk: Buffer) => {
          const room = MAX_RESPONSE_BYTES - size;
          chunks.push(room < chunk.length ? chunk.subarray(0, room) : chunk);
          size += Math.min(room, chunk.length);
          if (size >= MAX_RESPONSE_BYTES) {
            // No token response is this large: answer with what we have and stop reading.
            respond();
            res.destroy();
          }
        });
        res.on('error', (err: NodeJS.ErrnoException) => {
          settle({ kind: 'no-response', reason: 'network', sent: true, detail: err.code ?? err.name });
        });
        res.on('aborted', () => {
          settle({ kind: 'no-response', reason: 'network', sent: true, detail: 'response aborted' });
        });
        res.on('end', respond);
      });
      req.end(body);
    });
  }
}
