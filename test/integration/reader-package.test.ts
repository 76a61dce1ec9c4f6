// What an app that installs this package gets: `tenant-token-refresher/reader` resolves (through package.json
// "exports") to compiled JS with type declarations, loadable by plain Node without a TypeScript loader.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('Package export: tenant-token-refresher/reader', () => {
  it('builds to dist/reader and loads by package name in plain Node', async () => {
    // Act
    await run('npm', ['run', '--silent', 'build:reader'], { timeout: 120_000 });
    const loaded = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('tenant-token-refresher/reader'); console.log(JSON.stringify(Object.keys(m).sort()))",
      ],
      { timeout: 30_000 },
    );

    // Assess
    expect(JSON.parse(loaded.stdout)).toEqual(
      expect.arrayContaining([
        'ReauthRequired',
        'TenantDisabled',
        'TenantNotFound',
        'TokenExpired',
        'TokenReaderError',
        'createTokenReader',
        'createGrantIntake',
        'GrantIntakeError',
        'InvalidGrant',
        'StaleGrant',
      ]),
    );
  }, 150_000);

  it('packs the compiled reader, its types and the CLI, and no tests', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { timeout: 60_000 });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/reader/index.js',
        'dist/reader/index.d.ts',
        'reader/token-reader.ts',
        'bin/tenant-tokens.mjs',
        'cli/main.ts',
        'examples/python/read_token.py',
        'examples/python/grant_intake.py',
        'dist/reader/grant-intake.js',
      ]),
    );
    expect(files.filter((f) => f.startsWith('test/'))).toEqual([]);
  }, 90_000);
});
