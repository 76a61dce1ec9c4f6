// `tenant-tokens --help` start-up, as an operator's shell sees it: a fresh Node process running the package's bin,
// against `node -e ''` (the floor: Node's own start-up) in the same run, alternating so machine load hits both alike.
// The ratio is the figure that travels between machines; the milliseconds are this machine's.
// Standalone: `npx tsx bench/cli-startup.ts [runs]` prints the JSON.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BIN = path.join(ROOT, 'bin/tenant-tokens.mjs');

export interface CliStartup {
  runs: number;
  /** Median wall time of `node bin/tenant-tokens.mjs --help`. */
  helpMs: number;
  /** Median wall time of `node -e ''` in the same run. */
  nodeBaselineMs: number;
  /** helpMs / nodeBaselineMs. */
  ratio: number;
}

function wallMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const out = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (out.status !== 0) throw new Error(`node ${args.join(' ')} exited ${out.status}: ${out.stderr.slice(0, 300)}`);
  return ms;
}

export function measureCliStartup(runs = 15): CliStartup {
  // One warm-up of each: the first run pays for the file cache.
  wallMs([CLI_BIN, '--help']);
  wallMs(['-e', '']);
  const help: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    help.push(wallMs([CLI_BIN, '--help']));
    baseline.push(wallMs(['-e', '']));
  }
  const helpMs = median(help);
  const nodeBaselineMs = median(baseline);
  return {
    runs,
    helpMs: Math.round(helpMs * 10) / 10,
    nodeBaselineMs: Math.round(nodeBaselineMs * 10) / 10,
    ratio: Math.round((helpMs / nodeBaselineMs) * 100) / 100,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(measureCliStartup(Number(process.argv[2] ?? 15))));
}
