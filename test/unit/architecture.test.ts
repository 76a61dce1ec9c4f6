// Dependency direction: the core is a leaf (ports, record, decisions: nothing from adapters, providers, the refresher
// or any package but zod), and the reader library a hosted app installs carries none of the refresher's code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/\b(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ];
  return specifiers.map((m) => m[1] as string);
}

/** Where a relative import lands, relative to the repository root. */
function target(file: string, specifier: string): string {
  return path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
}

describe('Module graph: lambdas/core', () => {
  const files = sourceFiles('lambdas/core');

  it('has modules to check (the walk itself works)', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain('lambdas/core/ports.ts');
  });

  it.each(files)('%s imports nothing outside lambdas/core but zod', (file) => {
    const outside = importsOf(file).filter((spec) =>
      spec.startsWith('.')
        ? !target(file, spec).startsWith(`lambdas${path.sep}core${path.sep}`)
        : !/^zod(\/|$)/.test(spec),
    );
    expect(outside).toEqual([]);
  });
});

describe('Module graph: reader/', () => {
  const files = sourceFiles('reader');

  it.each(files)('%s imports nothing from lambdas/, cli/, local/ or cdk/', (file) => {
    const refresherCode = importsOf(file).filter(
      (spec) => spec.startsWith('.') && /^(lambdas|cli|local|cdk)(\/|$)/.test(target(file, spec)),
    );
    expect(refresherCode).toEqual([]);
  });
});

describe('Source size', () => {
  const files = [...sourceFiles('lambdas'), ...sourceFiles('cli')];

  it.each(files)('%s stays under 350 lines (split by responsibility beyond that)', (file) => {
    const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(350);
  });
});
