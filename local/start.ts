// `npm start [-- --cycles N] [--json] [--interval S] [--token-ttl S]`: local mode's command line.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JavaMissingError } from './dynamodb-local.js';
import { runLocalMode } from './local-mode.js';

const HELP = `Usage: npm start [-- OPTIONS]

Runs the refresher on this machine, no AWS account needed: DynamoDB Local (AWS's engine, fetched on first run,
needs Java 17+), a real OAuth server with refresh-token rotation on loopback, a Secrets Manager stand-in, six demo
orgs, and the real Lambda handler on a scaled-down schedule. From tick 3 a demo hosted app re-authorises the revoked
org through the grant intake (the real intake handler behind a Lambda Invoke stand-in). Shows a live status table;
Ctrl-C stops everything.

Options:
  --cycles N        run N schedule ticks, then exit 0 (default: until Ctrl-C)
  --json            print no table; print, last, one JSON line with totals
                    (orgs, refreshed, failed, reauthRequired, statuses, metrics, …)
  --interval S      seconds between ticks (1-60, default 5)
  --token-ttl S     access token lifetime in seconds (20-3600, default 60)
  --port P          DynamoDB Local port (default: a free one)
  --log FILE        where the handler's Powertools log lines go
                    (default: <tmp>/tenant-token-refresher-local/handler.log)
  -h, --help        show this help

Examples:
  npm start
  npm start -- --cycles 3 --json
`;

function usage(message: string): never {
  process.stderr.write(`npm start: ${message}\nRun \`npm start -- --help\` for the options.\n`);
  process.exit(2);
}

function intOption(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) usage(`--${name} must be a whole number from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) usage(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  function parse() {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        cycles: { type: 'string' },
        json: { type: 'boolean' },
        interval: { type: 'string' },
        'token-ttl': { type: 'string' },
        port: { type: 'string' },
        log: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    values = parse().values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  // The status screen writes through the original streams: while the handler runs, both are captured.
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const exitCode = await runLocalMode(
    {
      cycles: values.cycles === undefined ? undefined : intOption('cycles', values.cycles, 1, 1, 100_000),
      intervalSeconds: intOption('interval', values.interval, 5, 1, 60),
      tokenTtlSeconds: intOption('token-ttl', values['token-ttl'], 60, 20, 3600),
      json: values.json === true,
      dynamoDbPort: values.port === undefined ? undefined : intOption('port', values.port, 0, 1024, 65535),
      logFile: values.log ?? path.join(os.tmpdir(), 'tenant-token-refresher-local', 'handler.log'),
    },
    {
      stdout: (text) => write(text),
      stderr: (text) => writeErr(`${text}\n`),
      isTTY: process.stdout.isTTY === true,
    },
  );
  process.exit(exitCode);
}

main().catch((err: unknown) => {
  if (err instanceof JavaMissingError) {
    process.stderr.write(
      `npm start: ${err.message}\n\n` +
        "Local mode runs AWS's own DynamoDB Local because the claim path relies on conditional writes that return the\n" +
        'current item when they fail (ReturnValuesOnConditionCheckFailure); the pure-JS alternatives do not, so the\n' +
        'demo would not show the real behaviour.\n',
    );
    process.exit(1);
  }
  process.stderr.write(`npm start: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
