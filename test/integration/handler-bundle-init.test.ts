// What the refresher's bundle does at cold start, checked on the real bundle (the stack's esbuild settings) in a fresh
// Node.js process, as Lambda loads it. Times are the bench's job (docs/performance.md); this guards what is loaded.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleHandler, coldStartEnv } from '../../bench/cold-start.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';

const run = promisify(execFile);
// Inside the project, so the external @aws-sdk/* resolve from node_modules as they resolve from the Lambda runtime.
const outDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', `handler-bundle-test-${randomUUID().slice(0, 8)}`);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe('Handler bundle: module initialisation', () => {
  it('exports the handler and loads neither undici nor the EventBridge client (both cost tens of ms)', async () => {
    const { file } = await bundleHandler(outDir);
    // The stack's environment sets EVENT_BUS_NAME: the notifier exists, its SDK client loads on first use.
    const probe = `
      import { createRequire } from 'node:module';
      const mod = await import(process.argv[1]);
      process.stdout.write(JSON.stringify({
        handler: typeof mod.handler,
        undici: process.moduleLoadList.filter((m) => m.includes('undici')),
        eventBridge: Object.keys(createRequire(process.argv[1]).cache).filter((p) => p.includes('client-eventbridge')),
      }));`;

    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', probe, pathToFileURL(file).href], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...(await coldStartEnv()), NODE_OPTIONS: '' },
    });

    expect(JSON.parse(stdout)).toEqual({ handler: 'function', undici: [], eventBridge: [] });
  });
});
