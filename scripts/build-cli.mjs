// Builds the operator CLI to plain JavaScript: dist/cli/tenant-tokens.mjs, one ES module bundling cli/ and the
// refresher code it uses (lambdas/), with the packages it imports left to node_modules (they are dependencies).
// `bin/tenant-tokens.mjs` loads it, so an installed `tenant-tokens` needs no TypeScript runtime. Runs as part of
// `prepare` (npm ci, npm install from git, npm pack), like the reader's build.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: { 'tenant-tokens': path.join(root, 'cli/main.ts') },
  outdir: path.join(root, 'dist/cli'),
  outExtension: { '.js': '.mjs' },
  // Each command is its own chunk, loaded when it runs: --help and usage errors load no AWS SDK.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // @aws-sdk/*, zod, p-limit: resolved from node_modules at run time, never copied into the bundle.
  packages: 'external',
  // Readable stack traces for an operator's bug report; no minification (the file is small either way).
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
