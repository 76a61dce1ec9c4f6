#!/usr/bin/env node
// `npm run test:guards`: every guard must have a test in `npm test` that fails when the guard is gone. For each guard
// below, the source is changed so the guard no longer holds (a DynamoDB condition made a tautology that still uses its
// placeholders, since DynamoDB refuses unused ones and every test would fail for that reason alone; a check that
// always passes), the tests that should notice are run, and the source is restored. Exits non-zero when a guard
// survives. Stryker (`npm run test:mutation`) does this for the engine's code against the unit tests; the DynamoDB
// adapters' conditions are module-level strings it cannot judge, and their tests need DynamoDB Local (the
// integration project's global setup starts it). Results: reports/guards/latest.json. Not in CI: ~5 minutes on 2 cores.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const STORE = 'lambdas/adapters/dynamodb-token-store.ts';
/** `npm test`'s integration files that exercise the token store's conditions. */
const STORE_TESTS = [
  'test/integration/token-store-fences.test.ts',
  'test/integration/refresh-engine.test.ts',
  'test/integration/store-retried-writes.test.ts',
  'test/integration/store-replicated-conflicts.test.ts',
  'test/integration/offboarding-race.test.ts',
  'test/integration/on-demand-handler.test.ts',
  'test/integration/grant-intake.test.ts',
  'test/integration/handler.test.ts',
];

/** name, the file, the exact text of the guard, what it becomes without it, the tests that must notice. */
const GUARDS = [
  {
    name: 'claim: no live lease (leaseFree)',
    file: STORE,
    guard: "leaseFree: '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)'",
    without: "leaseFree: '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now OR attribute_exists(#orgId))'",
    tests: STORE_TESTS,
  },
  {
    name: 'claim: a lease is live through its last millisecond',
    file: STORE,
    guard: "leaseFree: '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)'",
    without: "leaseFree: '(attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now)'",
    tests: STORE_TESTS,
  },
  {
    name: 'claim and fenced writes: the version fence (versionMatches)',
    file: STORE,
    guard: "versionMatches: '#version = :expectedVersion'",
    without: "versionMatches: '(#version = :expectedVersion OR attribute_exists(#version))'",
    tests: STORE_TESTS,
  },
  {
    name: 'claim: only an ACTIVE org (isActive)',
    file: STORE,
    guard: "isActive: '#status = :active'",
    without: "isActive: '(#status = :active OR attribute_exists(#status))'",
    tests: STORE_TESTS,
  },
  {
    name: "fenced writes: the lease owner's own (heldByMe)",
    file: STORE,
    guard: "heldByMe: '#leaseOwner = :owner'",
    without: "heldByMe: '(#leaseOwner = :owner OR attribute_exists(#version))'",
    tests: STORE_TESTS,
  },
  {
    name: 'on-demand claim: the per-org forced-refresh limit (forcedLongAgo)',
    file: STORE,
    guard: "forcedLongAgo: '(attribute_not_exists(#forcedRefreshAt) OR #forcedRefreshAt < :forcedBefore)'",
    without:
      "forcedLongAgo: '(attribute_not_exists(#forcedRefreshAt) OR #forcedRefreshAt < :forcedBefore OR attribute_exists(#orgId))'",
    tests: STORE_TESTS,
  },
  {
    name: 'a lost claim explained: a live lease means skip (claimConflictVerdict)',
    file: 'lambdas/core/claim-conflict.ts',
    guard: "if (typeof current.leaseUntil === 'number' && current.leaseUntil >= now)",
    without: 'if (false)',
    tests: ['test/unit/claim-conflict.test.ts', 'test/unit/org-refresher.test.ts', 'test/unit/claim-fence.test.ts'],
  },
  {
    name: 'a fenced commit is never retried (nextCommitStep)',
    file: 'lambdas/core/commit-window.ts',
    guard: "if (f.fenced) return { decision: 'stop', reason: 'FENCED' };",
    without: '',
    tests: ['test/unit/commit-window.test.ts', 'test/unit/org-refresher.test.ts', 'test/unit/commit-fence.test.ts'],
  },
  {
    name: 'the token-host allow-list (hostAllowed)',
    file: 'lambdas/providers/build-request.ts',
    guard: 'return allowList.some((entry) => {',
    without: 'return true || allowList.some((entry) => {',
    tests: ['test/unit/build-request.test.ts'],
  },
  {
    name: "an app's token hosts (hostCovered)",
    file: 'lambdas/core/hosted-apps.ts',
    guard: 'return allowList.some((raw) => {',
    without: 'return true || allowList.some((raw) => {',
    tests: ['test/unit/hosted-apps.test.ts'],
  },
  {
    name: 'known secrets scrubbed from every text (scrub)',
    file: 'lambdas/core/redact.ts',
    guard: 'if (secret && secret.length >= 6) out = out.split(secret).join(REDACTED);',
    without: '',
    tests: ['test/unit/redact.test.ts', 'test/unit/org-refresher.test.ts'],
  },
];

function runTests(files) {
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', ...files], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes out of vitest's summary line
  const out = `${run.stdout}${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
  const failed = Number(/Tests\s+(\d+) failed/.exec(out)?.[1] ?? 0);
  return {
    passed: run.status === 0,
    failed,
    seconds: Math.round((Date.now() - started) / 1000),
    interrupted: run.signal !== null,
  };
}

const results = [];
// Ctrl-C (or a SIGTERM to the group) must not kill this process while a guard is removed: the tests get the signal and
// die, and the loop below restores the source and exits.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});

for (const g of GUARDS) {
  const source = readFileSync(g.file, 'utf8');
  const at = source.indexOf(g.guard);
  if (at < 0 || source.indexOf(g.guard, at + 1) >= 0) {
    console.error(`guard "${g.name}": its text must occur exactly once in ${g.file}; update scripts/guard-removal.mjs`);
    process.exit(2);
  }
  let interrupted = false;
  try {
    writeFileSync(g.file, source.replace(g.guard, g.without));
    const r = runTests(g.tests);
    interrupted = r.interrupted;
    if (interrupted) continue;
    const verdict = r.passed ? 'SURVIVED' : 'caught';
    results.push({ guard: g.name, file: g.file, verdict, failedTests: r.failed, seconds: r.seconds });
    console.log(`${verdict.padEnd(8)} ${g.name}: ${r.failed} test(s) failed (${r.seconds} s)`);
  } finally {
    writeFileSync(g.file, source);
    if (interrupted) {
      console.error('interrupted: the source is restored');
      process.exit(130);
    }
  }
}

mkdirSync('reports/guards', { recursive: true });
writeFileSync('reports/guards/latest.json', `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
const survived = results.filter((r) => r.verdict === 'SURVIVED');
console.log(`${results.length - survived.length} of ${results.length} guards caught by npm test's tests`);
process.exit(survived.length > 0 ? 1 : 0);
