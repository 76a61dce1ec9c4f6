// Cold start: bundle the handler with the stack's own esbuild settings (cdk/bundling.ts), measure its size, and time
// the module's initialisation in fresh Node.js processes (what Lambda's Init Duration spends on our code).
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions, PROJECT_ROOT } from '../cdk/bundling.js';
import { median, round } from './stats.js';

const run = promisify(execFile);

export interface ColdStartResult {
  bundleBytes: number;
  bundleKb: number;
  processes: number;
  initMsSamples: number[];
  /** With the stack's NODE_OPTIONS=--enable-source-maps, as deployed. Wall time: what Lambda's Init Duration counts. */
  initMs: number;
  /** CPU time of the same imports: close to the wall time on an idle machine, and far less sensitive to other load. */
  initCpuMs: number;
  /** The same without source-map support: what the flag costs. */
  initMsWithoutSourceMaps: number;
  /** Loading and building the SDK's DynamoDB (document) client alone: the part of initMs no bundling choice removes. */
  sdkFloorMs: number;
  sdkFloorCpuMs: number;
  /** The environment the measured processes had. */
  env: Record<string, string>;
}

/**
 * The bundle lives under the project so that `@aws-sdk/*` (external: the Node.js 24 Lambda runtime provides it)
 * resolves from node_modules, as it resolves from the runtime's own copy in Lambda.
 */
export async function bundleHandler(outDir: string): Promise<{ file: string; bytes: number }> {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'index.mjs');
  await build({ ...esbuildOptions(file), logLevel: 'silent' });
  return { file, bytes: statSync(file).size };
}

/** What Lambda itself sets in the function's environment (the stack sets the rest). */
const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'tenant-token-refresher',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
};

/**
 * The environment the function has at cold start: exactly what the stack sets with its default settings
 * (lambdas/refresher-settings.ts: org events to the default bus, NODE_OPTIONS=--enable-source-maps, …) plus
 * what Lambda sets. Imported lazily: the stack's module pulls in aws-cdk-lib.
 */
export async function coldStartEnv(): Promise<Record<string, string>> {
  const { defaultRefresherSettings, refresherEnvironment } = await import('../lambdas/refresher-settings.js');
  return { ...refresherEnvironment(defaultRefresherSettings(), 'tenant-tokens'), ...LAMBDA_ENV };
}

const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
const mod = await import(process.argv[1]);
const initMs = performance.now() - started;
const used = process.cpuUsage(cpu);
if (typeof mod.handler !== 'function') throw new Error('bundle has no handler export');
process.stdout.write(JSON.stringify({ initMs, cpuMs: (used.user + used.system) / 1000 }));
`;

/**
 * The floor any DynamoDB-backed function pays: the runtime-provided SDK's DynamoDB client and document client loaded
 * and built in a fresh process, measured the same way as the bundle. initMs minus this is what our code costs.
 */
const SDK_FLOOR_PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
DynamoDBDocumentClient.from(new DynamoDBClient({}));
const initMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ initMs, cpuMs: (used.user + used.system) / 1000 }));
`;

interface InitSample {
  initMs: number;
  cpuMs: number;
}

/** One fresh process: import the bundle (module init, as Lambda runs it before the first event) and report the time. */
async function initOnce(
  file: string | undefined,
  env: Record<string, string>,
  extraEnv: Record<string, string>,
): Promise<InitSample> {
  const args =
    file === undefined
      ? ['--input-type=module', '--eval', SDK_FLOOR_PROBE]
      : ['--input-type=module', '--eval', PROBE, pathToFileURL(file).href];
  const { stdout } = await run(process.execPath, args, {
    cwd: PROJECT_ROOT,
    // Only what Lambda would set: no tsx loader, nothing inherited from this process.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ...extraEnv },
  });
  return JSON.parse(stdout) as InitSample;
}

export async function measureColdStart(outDir: string, processes = 10): Promise<ColdStartResult> {
  const { file, bytes } = await bundleHandler(outDir);
  const env = await coldStartEnv();
  // One unmeasured run first, so the file system cache is warm for all measured ones alike.
  await initOnce(file, env, {});
  // Alternate the two settings so that a burst of load on a shared machine hits both alike.
  const samples: InitSample[] = [];
  const withoutMaps: InitSample[] = [];
  const sdkFloor: InitSample[] = [];
  for (let i = 0; i < processes; i++) {
    samples.push(await initOnce(file, env, {}));
    withoutMaps.push(await initOnce(file, env, { NODE_OPTIONS: '' }));
    sdkFloor.push(await initOnce(undefined, env, { NODE_OPTIONS: '' }));
  }
  return {
    bundleBytes: bytes,
    bundleKb: round(bytes / 1024, 1),
    processes,
    initMsSamples: samples.map((s) => round(s.initMs, 1)),
    initMs: round(median(samples.map((s) => s.initMs)), 1),
    initCpuMs: round(median(samples.map((s) => s.cpuMs)), 1),
    initMsWithoutSourceMaps: round(median(withoutMaps.map((s) => s.initMs)), 1),
    sdkFloorMs: round(median(sdkFloor.map((s) => s.initMs)), 1),
    sdkFloorCpuMs: round(median(sdkFloor.map((s) => s.cpuMs)), 1),
    env,
  };
}
