// Cold start: bundle the handler with the stack's own esbuild settings (cdk/bundling.ts), measure its size, and time
// the module's initialisation in fresh Node.js processes (what Lambda's Init Duration spends on our code), paired with
// the SDK floor (loading and building the DynamoDB client alone) in the same setup: the goal is their ratio, which a
// shared machine's speed and load move far less than the milliseconds.
import { execFile } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions, PROJECT_ROOT } from '../cdk/bundling.js';
import { median, pairedRatio, pairedRatios, percentile, round } from './stats.js';

const run = promisify(execFile);

export interface ColdStartResult {
  bundleBytes: number;
  bundleKb: number;
  /** Pairs measured: one fresh process importing the handler bundle and one building the SDK floor, back to back. */
  pairs: number;
  /**
   * The goal figure: module init of the handler bundle over the SDK floor, both in the same process setup (the
   * stack's environment incl. NODE_OPTIONS, same flags, same count, interleaved); the median of the paired ratios
   * (see pairedRatio in stats.ts for why) of CPU time, all threads (helper threads' GC and compilation count: on
   * Lambda's fraction of a vCPU they take init time too). Unlike initMs it does not move with the machine's speed or
   * load. CPU rather than wall time because wall time also counts waiting for a core, which on a loaded machine grows
   * faster for the longer process of a pair: on the 2-core shared machine at load 16 the wall-time ratio read 1.53 where
   * this one read 1.22, as it did at load 1-5; over 21 runs at load 0.6-5 the two agreed on average (1.256 and 1.259)
   * and this one spread less (standard deviation 0.030 against 0.053).
   */
  initOverSdkFloor: number;
  /** 25th and 75th percentile of the per-pair ratios: how far one pair can stray from the figure. */
  initOverSdkFloorQuartiles: [number, number];
  initOverSdkFloorSamples: number[];
  /** The same ratio of wall time (information): what Init Duration counts; equal to the figure on an idle machine. */
  initOverSdkFloorWall: number;
  /** With the stack's NODE_OPTIONS=--enable-source-maps, as deployed. Wall time: what Lambda's Init Duration counts. */
  initMs: number;
  initMsSamples: number[];
  /** CPU time of the same imports: close to the wall time on an idle machine, and far less sensitive to other load. */
  initCpuMs: number;
  /** The same without source-map support: what the flag costs (information; not part of the ratio). */
  initMsWithoutSourceMaps: number;
  /**
   * Loading and building the SDK's DynamoDB (document) client alone, in the same setup as initMs: the part of initMs
   * no bundling choice removes.
   */
  sdkFloorMs: number;
  sdkFloorMsSamples: number[];
  sdkFloorCpuMs: number;
  /** The environment the measured processes had (both sides of every pair). */
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

/**
 * The floor any DynamoDB-backed function pays: the runtime-provided SDK's DynamoDB client and document client loaded
 * and built (as the token store builds them). Written next to the bundle, so `@aws-sdk/*` resolves the same way, and
 * imported by the same probe as the bundle: the two sides of a pair differ only in the file imported.
 */
const SDK_FLOOR_MODULE = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
export const handler = async () => client;
`;

export function writeSdkFloorModule(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'sdk-floor.mjs');
  writeFileSync(file, SDK_FLOOR_MODULE);
  return file;
}

/** One fresh process: import a module (its init, as Lambda runs it before the first event) and report the time. */
const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
const mod = await import(process.argv[1]);
const initMs = performance.now() - started;
const used = process.cpuUsage(cpu);
if (typeof mod.handler !== 'function') throw new Error('module has no handler export');
process.stdout.write(JSON.stringify({ initMs, cpuMs: (used.user + used.system) / 1000 }));
`;

interface InitSample {
  initMs: number;
  cpuMs: number;
}

async function initOnce(
  file: string,
  env: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<InitSample> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', PROBE, pathToFileURL(file).href], {
    cwd: PROJECT_ROOT,
    // Only what Lambda would set: no tsx loader, nothing inherited from this process.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ...extraEnv },
  });
  return JSON.parse(stdout) as InitSample;
}

export async function measureColdStart(outDir: string, pairs = 20): Promise<ColdStartResult> {
  const { file, bytes } = await bundleHandler(outDir);
  const floorFile = writeSdkFloorModule(outDir);
  const env = await coldStartEnv();
  const withoutSourceMaps = { NODE_OPTIONS: '' };
  // One unmeasured run of each first, so the file system cache is warm for all measured ones alike.
  await initOnce(file, env);
  await initOnce(floorFile, env);
  await initOnce(file, env, withoutSourceMaps);
  const handler: InitSample[] = [];
  const floor: InitSample[] = [];
  const withoutMaps: InitSample[] = [];
  for (let i = 0; i < pairs; i++) {
    // The two sides of a pair run back to back, in alternating order, so neither is always the first after a pause.
    if (i % 2 === 0) {
      handler.push(await initOnce(file, env));
      floor.push(await initOnce(floorFile, env));
    } else {
      floor.push(await initOnce(floorFile, env));
      handler.push(await initOnce(file, env));
    }
    withoutMaps.push(await initOnce(file, env, withoutSourceMaps));
  }
  const wall = (s: InitSample) => s.initMs;
  const cpu = (s: InitSample) => s.cpuMs;
  const ratios = pairedRatios(handler.map(cpu), floor.map(cpu));
  return {
    bundleBytes: bytes,
    bundleKb: round(bytes / 1024, 1),
    pairs,
    initOverSdkFloor: round(pairedRatio(handler.map(cpu), floor.map(cpu)), 3),
    initOverSdkFloorQuartiles: [round(percentile(ratios, 25), 3), round(percentile(ratios, 75), 3)],
    initOverSdkFloorSamples: ratios.map((r) => round(r, 3)),
    initOverSdkFloorWall: round(pairedRatio(handler.map(wall), floor.map(wall)), 3),
    initMs: round(median(handler.map(wall)), 1),
    initMsSamples: handler.map((s) => round(s.initMs, 1)),
    initCpuMs: round(median(handler.map(cpu)), 1),
    initMsWithoutSourceMaps: round(median(withoutMaps.map(wall)), 1),
    sdkFloorMs: round(median(floor.map(wall)), 1),
    sdkFloorMsSamples: floor.map((s) => round(s.initMs, 1)),
    sdkFloorCpuMs: round(median(floor.map(cpu)), 1),
    env,
  };
}
