// The parent's handle on the bench token endpoint (token-endpoint-server.ts, a child process), and the probe that
// measures how much load it can take at a given latency: its headroom over what the bench asks of it.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpTokenEndpoint } from '../lambdas/adapters/http-token-endpoint.js';

const SERVER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'token-endpoint-server.ts');

export const BENCH_CLIENT = { clientId: 'bench-client', clientSecret: 'bench-client-secret-0123456789' } as const;

export interface EndpointStats {
  requests: number;
  ok: number;
  invalidGrant: number;
  invalidClient: number;
  badRequest: number;
  maxInFlight: number;
  latencyMs: number;
  cpuMs: number;
  elapsedMs: number;
  meanHoldMs: number;
}

/** The refresh token an org is seeded with: generation 0, accepted once per org. */
export const seedRefreshToken = (orgId: string) => `rt.${orgId}.0.seed`;

export class BenchTokenEndpoint {
  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
  ) {}

  get tokenUrl(): string {
    return `${this.origin}/oauth/token`;
  }

  static async start(latencyMs: number): Promise<BenchTokenEndpoint> {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER_FILE], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BENCH_LATENCY_MS: String(latencyMs),
        BENCH_CLIENT_ID: BENCH_CLIENT.clientId,
        BENCH_CLIENT_SECRET: BENCH_CLIENT.clientSecret,
      },
    });
    process.on('exit', () => child.kill('SIGKILL'));
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const line = buffered.split('\n')[0];
        if (buffered.includes('\n') && line) {
          child.stdout?.off('data', onData);
          resolve(Number(JSON.parse(line).port));
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`bench token endpoint exited early (code ${code})`)));
    });
    return new BenchTokenEndpoint(child, `http://127.0.0.1:${port}`);
  }

  /** Sets the latency (and the issued access tokens' size; 0 = opaque) and zeroes the counters. */
  async configure(latencyMs: number, accessTokenBytes = 0): Promise<void> {
    await this.#call('POST', `/config?latencyMs=${latencyMs}&accessTokenBytes=${accessTokenBytes}`);
  }

  async stats(): Promise<EndpointStats> {
    return JSON.parse(await this.#call('GET', '/stats')) as EndpointStats;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end();
    this.child.kill('SIGTERM');
    await gone;
  }

  #call(method: string, pathAndQuery: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${this.origin}${pathAndQuery}`, { method, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }
}

export interface HeadroomResult {
  latencyMs: number;
  inFlight: number;
  seconds: number;
  /** Successful rotations per second the endpoint served. */
  sustainedPerSecond: number;
  /** What `inFlight / latency` would give if the endpoint added nothing: sustained/ceiling near 1 = not saturated. */
  ceilingPerSecond: number;
  /** The endpoint's own CPU per request: 1000 / this is what one core could serve. */
  endpointCpuMsPerRequest: number;
  meanHoldMs: number;
  errors: number;
}

/**
 * Drives the endpoint with `inFlight` concurrent clients (each its own org, following the rotation) for `seconds`,
 * through the refresher's own HTTP client. The client runs in this process, so the result is a lower bound.
 */
export async function probeEndpointHeadroom(
  endpoint: BenchTokenEndpoint,
  options: { latencyMs: number; inFlight: number; seconds: number },
): Promise<HeadroomResult> {
  await endpoint.configure(options.latencyMs);
  const client = new HttpTokenEndpoint();
  const authorization = `Basic ${Buffer.from(`${BENCH_CLIENT.clientId}:${BENCH_CLIENT.clientSecret}`).toString('base64')}`;
  const deadline = performance.now() + options.seconds * 1000;
  let errors = 0;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.inFlight }, async (_, i) => {
      let refreshToken = seedRefreshToken(`probe-${i}-${Date.now()}`);
      while (performance.now() < deadline) {
        const outcome = await client.send(
          {
            url: endpoint.tokenUrl,
            headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
            grantType: 'refresh_token',
          },
          10_000,
        );
        if (outcome.kind === 'response' && outcome.status === 200) {
          refreshToken = String(JSON.parse(outcome.body).refresh_token);
          done++;
        } else {
          errors++;
          return;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const stats = await endpoint.stats();
  return {
    latencyMs: options.latencyMs,
    inFlight: options.inFlight,
    seconds: elapsed,
    sustainedPerSecond: done / elapsed,
    ceilingPerSecond: options.inFlight / (options.latencyMs / 1000),
    endpointCpuMsPerRequest: stats.requests > 0 ? stats.cpuMs / stats.requests : 0,
    meanHoldMs: stats.meanHoldMs,
    errors,
  };
}
