// The documentation's own rules, checked on every `npm test` so they cannot rot: README.md is a five-minute read,
// every line of the docs fits in 120 columns (raw Markdown is read in editors and diffs, not only rendered), every
// relative link and #anchor resolves (alarm descriptions and code comments point into docs/), and nothing in the
// repository cites a document that lives outside it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_LINE = 120;
const README_MAX_LINES = 250;

function markdownUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

const DOCS = ['README.md', ...markdownUnder('docs')].sort();
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The lines of a Markdown text with fenced code blocks blanked: headings and links inside them are not Markdown. */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return '';
    }
    return line;
  });
}

/** GitHub's anchor for a heading: inline markup dropped, lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}_ -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text defines: its headings (duplicates numbered -1, -2, … as GitHub does) and <a id>. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = githubAnchor(heading);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1] as string);
  }
  return anchors;
}

/** Relative link targets in a Markdown text, with their line numbers (inline links and reference definitions). */
function relativeLinks(text: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  proseLines(text).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1] as string),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
      links.push({ line: i + 1, target });
    }
  });
  return links;
}

/** Why a relative link from `file` does not resolve inside the repository, or undefined when it does. */
function brokenLink(file: string, target: string): string | undefined {
  const [filePart = '', anchor] = target.split('#', 2);
  const resolved = filePart === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), filePart);
  const relative = path.relative(ROOT, resolved);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return 'points outside the repository';
  if (!existsSync(resolved)) return 'no such file';
  if (anchor === undefined) return undefined;
  if (!resolved.endsWith('.md')) return 'an #anchor into a file that is not Markdown';
  return anchorsOf(readFileSync(resolved, 'utf8')).has(anchor) ? undefined : `no heading #${anchor} in ${relative}`;
}

describe('Documentation: README.md and docs/', () => {
  it('includes the README and at least the split-out docs', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['README.md', 'docs/design.md', 'docs/runbook.md']));
  });

  it(`wraps every line, tables and code blocks included, at ${MAX_LINE} characters`, () => {
    const tooLong = DOCS.flatMap((file) =>
      read(file)
        .split('\n')
        .map((line, i) => ({ where: `${file}:${i + 1}`, length: [...line].length }))
        .filter((l) => l.length > MAX_LINE),
    );
    expect(tooLong).toEqual([]);
  });

  it(`keeps README.md under ${README_MAX_LINES} lines (a newcomer's five-minute read)`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThan(README_MAX_LINES);
  });

  it('resolves every relative link: the file exists in the repository, and an #anchor names a heading in it', () => {
    const broken = DOCS.flatMap((file) =>
      relativeLinks(read(file)).flatMap(({ line, target }) => {
        const why = brokenLink(file, target);
        return why ? [`${file}:${line} (${target}): ${why}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });
});

describe('Function: githubAnchor (the link check above depends on it)', () => {
  it.each([
    ['Runbook: RefreshFailed', 'runbook-refreshfailed'],
    ['I1 — One sender per refresh token', 'i1--one-sender-per-refresh-token'],
    ['Version fence: commit, release, markReauth', 'version-fence-commit-release-markreauth'],
    ['What the suite found (and the fixes)', 'what-the-suite-found-and-the-fixes'],
    ['`npm start` and `npm test`', 'npm-start-and-npm-test'],
  ])('%s → #%s', (heading, anchor) => {
    expect(githubAnchor(heading)).toBe(anchor);
  });

  it('numbers a repeated heading -1, -2 and finds explicit <a id> anchors', () => {
    const text = '# Fix\n\n## Fix\n\n```\n# Fix\n```\n\n## Fix\n\n<a id="custom"></a>\n';
    expect([...anchorsOf(text)].sort()).toEqual(['custom', 'fix', 'fix-1', 'fix-2']);
  });
});

describe('Repository: tracked files', () => {
  // Spelled in pieces so that this file does not cite them itself.
  const OUTSIDE_CITATIONS = [['DESIGN', 'md'].join('.'), ['..', 'shared', ''].join('/')];

  it('never cite a document outside the repository (the design lives in docs/design.md)', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && f !== 'package-lock.json' && existsSync(path.join(ROOT, f)));
    const citing = tracked.flatMap((file) => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return OUTSIDE_CITATIONS.filter((c) => text.includes(c)).map((c) => `${file}: ${c}`);
    });
    expect(citing).toEqual([]);
  });
});
