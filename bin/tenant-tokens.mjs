#!/usr/bin/env node
// `tenant-tokens`: the operator CLI, as compiled JavaScript (scripts/build-cli.mjs builds dist/cli/ on `prepare`):
// installing the package needs no TypeScript runtime to run it.
try {
  await import('../dist/cli/tenant-tokens.mjs');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/tenant-tokens.mjs')) throw err;
  process.stderr.write(
    'tenant-tokens: the CLI is not built (dist/cli/ is missing): run `npm run build:cli` in the package ' +
      '(npm install runs it; npm ci --ignore-scripts skips it)\n',
  );
  process.exitCode = 1;
}
