// `tenants import FILE`: onboard many orgs from JSON Lines, one org per line with the same fields as `tenants add`
// (camelCase, as in the record: docs/operations.md), secrets inside. Every line is validated first and every bad line
// reported with its line number and field; nothing is written while any line is bad (unless --skip-invalid). Writes
// are conditional Puts, so an org that exists is reported unchanged and never overwritten: re-running changes
// nothing. The first refreshes are spread over a window sized by the number of orgs.
import type { NewOrgWrite } from '../../lambdas/adapters/dynamodb-tenant-admin.js';
import { firstRefreshWindowMs } from '../../lambdas/core/first-refresh-spread.js';
import type { HostedApp } from '../../lambdas/core/hosted-apps.js';
import type { NewOrg, OnboardingProblem } from '../../lambdas/core/onboarding.js';
import { appProblem } from '../app-assignment.js';
import { parseCommand, UsageError } from '../args.js';
import { type Command, type CommandContext, deployedAdmin, ExitCode, tableOption } from '../context.js';
import { deploymentOnboardingEnv, provisionalOnboardingEnv } from '../deployment.js';
import { formatDuration } from '../format.js';
import { IMPORT_HELP } from '../help.js';
import { validateOnboarding } from '../org-settings.js';

export interface LineProblem extends OnboardingProblem {
  line: number;
}

export interface ImportPlan {
  /** Non-blank lines read. */
  lines: number;
  valid: { line: number; org: NewOrg }[];
  problems: LineProblem[];
  /** Lines with at least one problem. */
  invalidLines: number;
}

/** Where JSON.parse gave up, without its message (which quotes the input, secrets included). */
function jsonProblem(err: unknown): string {
  const column = /position (\d+)/.exec(String((err as Error)?.message))?.[1];
  return `is not valid JSON${column === undefined ? '' : ` (at character ${Number(column) + 1})`}`;
}

/**
 * Validates every line of a JSON Lines text; pure, so a file of any size is judged before anything is written. A
 * line's `app` names the hosted app the org belongs to, checked against `apps` (the declared apps) when given.
 */
export function planImport(
  text: string,
  env: Record<string, string | undefined>,
  apps?: readonly HostedApp[],
): ImportPlan {
  const plan: ImportPlan = { lines: 0, valid: [], problems: [], invalidLines: 0 };
  const firstLineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    plan.lines++;
    let input: unknown;
    try {
      input = JSON.parse(raw);
    } catch (err) {
      plan.problems.push({ line, field: 'line', message: jsonProblem(err) });
      plan.invalidLines++;
      return;
    }
    const { app, onboarding } = splitApp(input);
    const checked = validateOnboarding(onboarding, env);
    const problems = checked.ok ? [] : checked.problems;
    if (checked.ok) {
      const orgId = checked.org.settings.orgId;
      const wrongApp = app === undefined ? undefined : appProblem(app, orgId, apps);
      if (wrongApp !== undefined) problems.push({ field: 'app', message: wrongApp });
      const first = firstLineOf.get(orgId);
      if (first !== undefined) problems.push({ field: 'orgId', message: `is the org of line ${first} too` });
      else firstLineOf.set(orgId, line);
    }
    if (problems.length > 0 || !checked.ok) {
      plan.problems.push(...problems.map((p) => ({ line, ...p })));
      plan.invalidLines++;
      return;
    }
    plan.valid.push({ line, org: { ...checked.org, ...(typeof app === 'string' ? { app } : {}) } });
  });
  return plan;
}

/** A line's `app` is not an onboarding field: the rest is checked by the onboarding rules, it by the app's. */
function splitApp(input: unknown): { app: unknown; onboarding: unknown } {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('app' in input)) {
    return { app: undefined, onboarding: input };
  }
  const { app, ...onboarding } = input as Record<string, unknown>;
  return { app, onboarding };
}

/** A secrets file readable or writable by anyone but its owner is refused, before it is read. */
async function checkPrivate(ctx: CommandContext, file: string): Promise<void> {
  let mode: number | undefined;
  try {
    mode = await ctx.io.fileMode(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, IMPORT_HELP);
  }
  if (mode !== undefined && (mode & 0o077) !== 0) {
    throw new UsageError(
      `${file} holds secrets but its mode is ${mode.toString(8).padStart(4, '0')} (group or others may read or ` +
        `change it): run \`chmod 600 ${file}\` and import again`,
      IMPORT_HELP,
    );
  }
}

function count(writes: readonly NewOrgWrite[], outcome: NewOrgWrite['outcome']): number {
  return writes.filter((w) => w.outcome === outcome).length;
}

export const importOrgs: Command = {
  help: IMPORT_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommand(
      args,
      {
        ...tableOption,
        'skip-invalid': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      IMPORT_HELP,
      { names: ['FILE'] },
    );
    const file = positionals[0] as string;
    await checkPrivate(ctx, file);
    let text: string;
    try {
      text = await ctx.io.readFile(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, IMPORT_HELP);
    }
    const started = ctx.now();
    // First offline (a bad file, or a dry run, never needs AWS): app names only; what only the deployment decides (its
    // allow-list, loopback http, its declared apps' namespaces) is judged again by its own settings before anything
    // is written to its shards.
    let plan = planImport(text, provisionalOnboardingEnv(ctx.io.env));
    let blocked = plan.invalidLines > 0 && !values['skip-invalid'];
    let writes: NewOrgWrite[] = [];
    if (!blocked && !values['dry-run']) {
      const { admin, deployment } = await deployedAdmin(ctx, values.table, IMPORT_HELP);
      plan = planImport(text, deploymentOnboardingEnv(deployment), deployment.apps ?? []);
      blocked = plan.invalidLines > 0 && !values['skip-invalid'];
      if (!blocked) writes = await admin.addMany(plan.valid.map((v) => v.org));
    }
    const lineOf = new Map(plan.valid.map((v) => [v.org.settings.orgId, v.line]));
    const failures = writes
      .filter((w): w is Extract<NewOrgWrite, { outcome: 'failed' }> => w.outcome === 'failed')
      .map((w) => ({ line: lineOf.get(w.orgId) ?? 0, orgId: w.orgId, error: w.error }));
    const report = {
      file,
      lines: plan.lines,
      valid: plan.valid.length,
      invalid: plan.invalidLines,
      written: !blocked && !values['dry-run'],
      added: count(writes, 'added'),
      unchanged: count(writes, 'unchanged'),
      failed: failures.length,
      skipped: blocked ? 0 : plan.invalidLines,
      spreadSeconds: writes.length > 0 ? Math.round(firstRefreshWindowMs(plan.valid.length) / 1000) : 0,
      problems: plan.problems,
      failures,
      durationMs: ctx.now() - started,
    };
    if (values.json) ctx.io.stdout(`${JSON.stringify(report)}\n`);
    else printReport(ctx, report, Boolean(values['dry-run']));
    return blocked || failures.length > 0 ? ExitCode.Failed : ExitCode.Ok;
  },
};

function printReport(
  ctx: CommandContext,
  r: {
    file: string;
    lines: number;
    valid: number;
    invalid: number;
    written: boolean;
    added: number;
    unchanged: number;
    skipped: number;
    spreadSeconds: number;
    problems: LineProblem[];
    failures: { line: number; orgId: string; error: string }[];
  },
  dryRun: boolean,
): void {
  for (const p of r.problems) ctx.io.stderr(`${r.file}:${p.line}: ${p.field} ${p.message}\n`);
  for (const f of r.failures) ctx.io.stderr(`${r.file}:${f.line}: ${f.orgId} not written: ${f.error}\n`);
  if (r.invalid > 0 && !r.written && !dryRun) {
    ctx.io.stderr(
      `tenant-tokens: nothing written: ${r.invalid} of ${r.lines} lines are invalid; fix them, or pass ` +
        '--skip-invalid to import the valid ones\n',
    );
    return;
  }
  if (dryRun) {
    ctx.io.stdout(`checked ${r.file}: ${r.valid} of ${r.lines} lines valid, ${r.invalid} invalid; nothing written\n`);
    return;
  }
  const skipped = r.skipped > 0 ? `, ${r.skipped} invalid lines skipped` : '';
  const spread = r.added > 0 ? `; first refreshes spread over ${formatDuration(r.spreadSeconds * 1000)}` : '';
  ctx.io.stdout(
    `imported ${r.file}: ${r.added} added, ${r.unchanged} unchanged (already there, not overwritten), ` +
      `${r.failures.length} failed${skipped}${spread}\n`,
  );
}
