// The bench's token endpoint, run as its own process so its CPU never counts as the refresher's and its timers never
// wait behind the refresher's work. Rotation semantics like a real provider, but cheap enough to never be the
// bottleneck (oidc-provider spends milliseconds of CPU per refresh; this spends microseconds):
//   POST /oauth/token  grant_type=refresh_token, HTTP Basic client auth
//     valid refresh token  → after `latencyMs`, 200 with a new access token and a new (rotated) refresh token
//     spent refresh token  → 400 invalid_grant, and the org's whole grant dies (oidc-provider's reuse detection)
//     wrong client         → 401 invalid_client
//   GET  /stats            counters, CPU used, mean hold time (how close the latency is to the configured one)
//   POST /config?latencyMs=N[&accessTokenBytes=M]  set the latency (and the size of the access tokens it issues,
//                             e.g. a ~1.5 KB JWT; default ~33 bytes, opaque) and zero the counters
// Refresh tokens are `rt.<orgId>.<generation>.<nonce>`. Generation 0 (`rt.<orgId>.0.seed`) is what the bench seeds;
// it is accepted once per org, so 100 000 seeded orgs need no registration round trip.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const clientId = process.env.BENCH_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.BENCH_CLIENT_SECRET ?? 'bench-client-secret';
const expectedAuth = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
let latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);
let accessTokenBytes = 0;
const expiresIn = 3600;

/** Per org: the one refresh token that is valid now, or null once the grant was revoked by a reuse. */
const current = new Map<string, string | null>();

const fresh = () => ({
  requests: 0,
  ok: 0,
  invalidGrant: 0,
  invalidClient: 0,
  badRequest: 0,
  inFlight: 0,
  maxInFlight: 0,
  holdMsTotal: 0,
  cpu: process.cpuUsage(),
  since: performance.now(),
});
let stats = fresh();

function seedGeneration(token: string): { orgId: string; generation: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== 'rt') return undefined;
  return { orgId: parts[1] as string, generation: parts[2] as string };
}

/** A JWT-shaped access token of about `bytes` bytes (header.payload.signature, base64url). */
function jwtShaped(bytes: number): string {
  const header = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');
  const signature = randomBytes(256).toString('base64url');
  const payloadLength = Math.max(8, bytes - header.length - signature.length - 2);
  return `${header}.${randomBytes(Math.ceil((payloadLength * 3) / 4))
    .toString('base64url')
    .slice(0, payloadLength)}.${signature}`;
}

/** Decides the answer now (the provider's state changes when it processes the request, not when it replies). */
function exchange(body: string): { status: number; json: Record<string, unknown> } {
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'refresh_token') return { status: 400, json: { error: 'unsupported_grant_type' } };
  const token = form.get('refresh_token') ?? '';
  const parsed = seedGeneration(token);
  if (!parsed) return { status: 400, json: { error: 'invalid_grant', error_description: 'unknown refresh token' } };
  const { orgId, generation } = parsed;
  const valid = current.has(orgId) ? current.get(orgId) === token : generation === '0' && token.endsWith('.seed');
  if (!valid) {
    // Reuse of a spent token: revoke the grant, so even the newest refresh token dies (what oidc-provider does).
    current.set(orgId, null);
    return { status: 400, json: { error: 'invalid_grant', error_description: 'refresh token reused or revoked' } };
  }
  const next = `rt.${orgId}.${Number(generation) + 1}.${randomBytes(12).toString('base64url')}`;
  current.set(orgId, next);
  return {
    status: 200,
    json: {
      access_token: accessTokenBytes > 0 ? jwtShaped(accessTokenBytes) : `at.${randomBytes(24).toString('base64url')}`,
      refresh_token: next,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: form.get('scope') ?? undefined,
    },
  };
}

const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 60_000 }, (req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/stats') {
    const cpu = process.cpuUsage(stats.cpu);
    const { cpu: _cpu, since, holdMsTotal, ...counts } = stats;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...counts,
        latencyMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        elapsedMs: performance.now() - since,
        meanHoldMs: counts.requests > 0 ? holdMsTotal / counts.requests : 0,
      }),
    );
    return;
  }
  if (req.method === 'POST' && url.pathname === '/config') {
    latencyMs = Number(url.searchParams.get('latencyMs') ?? latencyMs);
    accessTokenBytes = Number(url.searchParams.get('accessTokenBytes') ?? 0);
    stats = fresh();
    req.resume();
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'POST' || url.pathname !== '/oauth/token') {
    res.writeHead(404).end();
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const received = performance.now();
    stats.requests++;
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    let answer: { status: number; json: Record<string, unknown> };
    if (req.headers.authorization !== expectedAuth) {
      stats.invalidClient++;
      answer = { status: 401, json: { error: 'invalid_client' } };
    } else {
      answer = exchange(Buffer.concat(chunks).toString('utf8'));
      if (answer.status === 200) stats.ok++;
      else if (answer.json.error === 'invalid_grant') stats.invalidGrant++;
      else stats.badRequest++;
    }
    setTimeout(() => {
      const text = JSON.stringify(answer.json);
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      stats.inFlight--;
      stats.holdMsTotal += performance.now() - received;
    }, latencyMs);
  });
});

server.listen(0, '127.0.0.1', () => {
  // The parent reads this one line to learn the port.
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
// Die with the parent: the bench owns this process.
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
