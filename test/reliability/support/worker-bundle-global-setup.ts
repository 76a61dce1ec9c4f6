// Bundles the refresher worker once per run with the Lambda's own esbuild settings (cdk/bundling.ts), so each of the
// many refresher processes starts in a fraction of a second instead of compiling TypeScript, and runs code shaped
// like what Lambda runs. The bundle lives under node_modules/.cache so Node resolves the external AWS SDK from the
// project, as the Lambda runtime provides it.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { esbuildOptions, PROJECT_ROOT } from '../../../cdk/bundling.js';

declare module 'vitest' {
  export interface ProvidedContext {
    reliabilityWorkerBundle: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'ttr-reliability', String(process.pid));
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, 'worker.mjs');
  await build({
    ...esbuildOptions(outfile),
    entryPoints: [path.join(PROJECT_ROOT, 'test/reliability/worker.ts')],
    logLevel: 'warning',
  });
  project.provide('reliabilityWorkerBundle', outfile);
  return () => rmSync(dir, { recursive: true, force: true });
}
