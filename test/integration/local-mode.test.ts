// `npm start`: local mode end to end, as a user runs it. Each test starts its own DynamoDB Local JVM (that is what
// npm start does), so they run one after the other and are few.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-local.js';

/** A JVM start plus a few ticks: seconds on an idle machine, much longer on a busy 2-core one. */
const JVM_TEST_TIMEOUT_MS = 180_000;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('Command: npm start', () => {
  it(
    '`--cycles 3 --json` runs the real handler three times, ends with one JSON line and exits 0 with the JVM gone',
    async () => {
      // Act
      const child = spawn('npm', ['start', '--', '--cycles', '3', '--interval', '1', '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => {
        stdout += d;
      });
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      const code = await exited(child);

      // Assess
      expect(code, stderr).toBe(0);
      const last = stdout.trim().split('\n').pop() as string;
      const result = JSON.parse(last);
      expect(result).toMatchObject({
        cycles: 3,
        orgs: 6,
        // every demo org is due at the first tick; the revoked one goes to re-auth, and at the third tick the hosted
        // app hands a new grant over through the grant intake, which refreshes it at once: all six end ACTIVE
        failed: 1,
        reauthRequired: 1,
        notCommitted: 0,
        raceInvalidGrant: 0,
        handlerErrors: 0,
        leakedLines: 0,
        statuses: { ACTIVE: 6 },
        intake: { calls: 1, ok: 1, errors: {} },
      });
      // The five healthy orgs are refreshed by the first tick's sweep. A first refresh spreads the next one over the
      // token's lifetime from one schedule period (here 1 s) on, so on a slow machine, with ticks seconds apart, an
      // org may be due again by the third tick (CI under the reliability suite's load: 6): at least five.
      expect(result.refreshed).toBeGreaterThanOrEqual(5);
      expect(result.metrics).toMatchObject({
        // the sweeps' refreshes and the intake's one (the same service dimension, as CloudWatch would sum them)
        RefreshSucceeded: result.refreshed + 1,
        RefreshFailed: 1,
        ReauthRequired: 1,
        RunCompleted: 3,
        GrantIntakeSucceeded: 1,
      });
      expect(result.app.ok).toBeGreaterThanOrEqual(5);
      expect(await portOpen(Number(new URL(result.dynamoDbEndpoint).port))).toBe(false);
    },
    JVM_TEST_TIMEOUT_MS,
  );

  it(
    'Ctrl-C (SIGINT to the process group) stops it and kills DynamoDB Local',
    async () => {
      // Prepare
      const port = await freePort();
      const child = spawn('npm', ['start', '--', '--interval', '1', '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      const firstTick = new Promise<void>((resolve) =>
        child.stdout?.on('data', (d) => {
          stdout += d;
          if (stdout.includes('tick 1')) resolve();
        }),
      );
      const code = exited(child);
      await firstTick;
      expect(await portOpen(port)).toBe(true);

      // Act: what a terminal does on Ctrl-C
      process.kill(-(child.pid as number), 'SIGINT');

      // Assess
      expect(await code).not.toBe(0);
      expect(stdout).toMatch(/ORG\s+PROVIDER\s+GRANT TYPE\s+STATUS\s+EXPIRES IN\s+LAST REFRESH\s+FAILURES/);
      await new Promise((r) => setTimeout(r, 500));
      expect(await portOpen(port)).toBe(false);
    },
    JVM_TEST_TIMEOUT_MS,
  );

  it('without Java, stops with exit 1 and says how to install it', async () => {
    // Prepare: a PATH with node and nothing else
    const bin = mkdtempSync(path.join(tmpdir(), 'no-java-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));

    // Act
    const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.resolve('node_modules/tsx/dist/cli.mjs'), 'local/start.ts', '--cycles', '1'],
        { env: { PATH: bin, HOME: process.env.HOME }, timeout: 60_000 },
        (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
      ),
    );

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('DynamoDB Local needs Java 17 or newer');
    expect(out.stderr).toContain('sudo apt-get install -y default-jre-headless');
  });

  it('--help prints the options and exits 0; a bad option exits 2', async () => {
    const help = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('npm', ['start', '--silent', '--', '--help'], (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout }),
      ),
    );
    const bad = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile('npm', ['start', '--silent', '--', '--cycles', 'many'], (err, _o, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
      ),
    );
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm start \[-- OPTIONS\]/);
    expect(help.stdout).toContain('--cycles N');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cycles must be a whole number from 1 to 100000');
  });
});
