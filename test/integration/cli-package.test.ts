// What an operator who installs this package runs: `tenant-tokens` as compiled JavaScript (dist/cli, built by
// `prepare`), with no TypeScript runtime — not among the dependencies, and never asked for at run time.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../cdk/bundling.js';

const run = promisify(execFile);
const bin = path.join(PROJECT_ROOT, 'bin/tenant-tokens.mjs');

/** `--import` this: a module hook that fails the process if anything asks for tsx or a .ts file. */
const hooks = mkdtempSync(path.join(tmpdir(), 'no-typescript-'));
const NO_TYPESCRIPT = pathToFileURL(path.join(hooks, 'register.mjs')).href;
writeFileSync(
  path.join(hooks, 'hooks.mjs'),
  'export async function resolve(specifier, context, next) {\n' +
    '  if (/^tsx(\\/|$)|\\.[cm]?ts$/.test(specifier)) throw new Error("TypeScript asked for: " + specifier);\n' +
    '  return next(specifier, context);\n' +
    '}\n',
);
writeFileSync(
  path.join(hooks, 'register.mjs'),
  "import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n",
);

describe('Package bin: tenant-tokens', () => {
  beforeAll(async () => {
    await run('npm', ['run', '--silent', 'build:cli'], { cwd: PROJECT_ROOT, timeout: 120_000 });
  }, 150_000);

  it('lists no TypeScript runtime among the dependencies an install brings', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('typescript');
    expect(pkg.bin['tenant-tokens']).toBe('bin/tenant-tokens.mjs');
    expect(pkg.files).toContain('dist/cli');
    expect(pkg.scripts.prepare).toContain('build:cli');
  });

  it.each(['add', 'import', 'list', 'show', 'refresh', 'disable', 'enable', 'reauth'])(
    'loads `tenants %s` as compiled JavaScript: no .ts file, no tsx',
    async (command) => {
      // Wrong arguments on purpose: the command's code loads, parses them and stops with a usage error (exit 2)
      // before any AWS call.
      const args = command === 'list' ? ['--table', 'a b'] : [];
      const out = await run(process.execPath, ['--import', NO_TYPESCRIPT, bin, 'tenants', command, ...args], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, TABLE_NAME: 'tokens' },
        timeout: 30_000,
      }).catch((err: { code: number; stderr: string }) => err);
      expect(out).toMatchObject({ code: 2 });
      expect((out as { stderr: string }).stderr).toMatch(/^tenant-tokens: /);
      expect((out as { stderr: string }).stderr).not.toMatch(/TypeScript asked for/);
    },
  );

  it('prints its help as compiled JavaScript', async () => {
    const out = await run(process.execPath, ['--import', NO_TYPESCRIPT, bin, '--help'], { timeout: 30_000 });
    expect(out.stdout).toMatch(/^Usage: tenant-tokens/);
  });

  it('packs the compiled CLI', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: PROJECT_ROOT,
      timeout: 60_000,
    });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain('dist/cli/tenant-tokens.mjs');
    expect(files.some((f) => /^dist\/cli\/chunks\/add-.*\.mjs$/.test(f))).toBe(true);
  }, 90_000);
});
