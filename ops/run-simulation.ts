// Runs every scenario against the deployed template, prints the table, writes ops/results/latest.json (the
// contract: per scenario expected, fired, unexpected, missed, secondsToFire; totals precision and recall) and
// ops/results/latest.html (the picture), and exits non-zero unless precision and recall are both 1.0, every alarm
// that fired cleared after its runbook, every alarm of the template is covered, and no token or secret appeared in
// any output.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { linesLeaking } from '../local/handler-output.js';
import { NOT_PRODUCIBLE, unprovenAlarms } from './coverage.js';
import { loadDeployment, PROJECT_ROOT } from './deployment.js';
import { renderHtml } from './report/html.js';
import { renderMarkdown } from './report/markdown.js';
import { HEADERS, renderTable, resultRows, summaryLine } from './report/table.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { totals } from './score.js';
import { advanceTo, simNow } from './virtual-time.js';
import type { World } from './world/world.js';

export const RESULTS_DIR = path.join(PROJECT_ROOT, 'ops', 'results');
const HOUR = 3_600_000;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      seed: { type: 'string', default: '7' },
      // Writes each scenario's marks, log lines and Lambda attempts to <dir>/<scenario>.json, to see why an alarm
      // fired when it did (the report shows what fired, this shows the runs behind it).
      dump: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const realStart = performance.now();

  const deployment = loadDeployment({ progress });
  progress(`alarms from ${deployment.templatePath}: ${deployment.alarms.map((a) => a.id).join(', ')}`);

  progress('starting DynamoDB Local…');
  const ddb = await startDynamoDbLocal({ progress });
  // The handler module builds its default handler from process.env when it is loaded (Lambda's cold start); the
  // simulation builds its own per execution environment, so any valid environment will do for that one.
  process.env.TABLE_NAME = 'ops-simulation-import';
  const handlerModule = await import('../lambdas/refresher/handler.js');
  const intakeModule = deployment.intake ? await import('../lambdas/intake/handler.js') : undefined;
  const onDemandModule = deployment.onDemand ? await import('../lambdas/on-demand/handler.js') : undefined;

  const results: ScenarioResult[] = [];
  const secrets = new Set<string>();
  let leakedLines = 0;
  try {
    for (const scenario of SCENARIOS) {
      if (only && !only.has(scenario.id)) continue;
      advanceTo(Math.ceil(simNow() / HOUR) * HOUR);
      progress(`▶ ${scenario.id}: ${scenario.title}`);
      const result = await runScenario(scenario, {
        deployment,
        dynamoDbEndpoint: ddb.endpoint,
        handlerModule,
        ...(intakeModule ? { intakeModule } : {}),
        ...(onDemandModule ? { onDemandModule } : {}),
        quick,
        seed: Number(values.seed),
        progress,
      });
      if (result.world && values.dump) dumpWorld(values.dump, scenario.id, result.world);

      if (result.world) {
        for (const t of result.world.oauth.issuedTokens) secrets.add(t);
        for (const c of Object.values(result.world.clients)) secrets.add(c.clientSecret);
        const output = [
          ...result.world.logs.map((l) => l.line),
          ...result.world.operator.flatMap((o) => [o.stdout, o.stderr]),
        ];
        leakedLines += linesLeaking(output, secrets);
      }
      progress(
        result.status === 'pending'
          ? `  ${result.pendingReason}`
          : `  fired ${result.fired.join(', ') || 'nothing'}; unexpected ${result.unexpected.join(', ') || 'none'}; missed ${result.missed.join(', ') || 'none'} (${result.simulatedMinutes} simulated min, ${result.realSeconds} s)`,
      );
      results.push(result);
    }
  } finally {
    await ddb.stop();
  }

  const run = results.filter((r) => r.status === 'run');
  const t = totals(run);
  const notCleared = run.flatMap((r) =>
    Object.entries(r.cleared)
      .filter(([, c]) => !c.cleared)
      .map(([a]) => `${r.id}: ${a}`),
  );
  // Only a run of every scenario can tell whether each alarm was proven somewhere.
  const unproven = only
    ? []
    : unprovenAlarms(
        deployment.alarms.map((a) => a.id),
        results,
      );
  const realSeconds = Math.round((performance.now() - realStart) / 1000);
  const mode = quick ? 'quick' : 'full';

  process.stdout.write(`\n${renderTable(HEADERS, resultRows(results))}\n\n${summaryLine(t)}\n`);
  for (const [alarm, reason] of Object.entries(NOT_PRODUCIBLE)) {
    if (deployment.alarms.some((a) => a.id === alarm))
      process.stdout.write(`not produced locally: ${alarm}: ${reason}\n`);
  }
  process.stdout.write(`tokens or secrets in any output: ${leakedLines} lines · ${mode} run, ${realSeconds} s\n`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = {
    mode,
    template: deployment.templatePath,
    realSeconds,
    precision: t.precision,
    recall: t.recall,
    totals: t,
    leakedLines,
    unprovenAlarms: unproven,
    notProducible: NOT_PRODUCIBLE,
    scenarios: results.map(({ world: _w, timelines: _t, ...r }) => r),
  };
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(RESULTS_DIR, 'latest.html'), renderHtml(results, t, deployment, mode));
  writeFileSync(path.join(RESULTS_DIR, 'latest.md'), renderMarkdown(results, t, mode));
  process.stdout.write('wrote ops/results/latest.json, latest.html (the picture) and latest.md\n');

  const problems = [
    ...(t.precision !== 1 ? [`precision ${t.precision} (unexpected alarms)`] : []),
    ...(t.recall !== 1 ? [`recall ${t.recall} (missed or late alarms)`] : []),
    ...notCleared.map((n) => `still in ALARM after its runbook: ${n}`),
    ...unproven.map((a) => `alarm ${a} is in the template but no scenario proved it fires: add one in ops/scenarios/`),
    ...(leakedLines > 0 ? [`${leakedLines} output lines contain a token or a client secret`] : []),
  ];
  for (const p of problems) process.stderr.write(`ops:simulate: ${p}\n`);
  return problems.length === 0 ? 0 : 1;
}

/** The runs behind one scenario, for `--dump`: marks, every log line and every Lambda attempt with its result. */
function dumpWorld(dir: string, scenarioId: string, w: World): void {
  mkdirSync(dir, { recursive: true });
  const { marks, logs, attempts } = w;
  writeFileSync(path.join(dir, `${scenarioId}.json`), `${JSON.stringify({ marks, logs, attempts }, null, 1)}\n`);
}
