// Binds the operator CLI to the real process: argv, stdout/stderr, stdin (only when piped), files, environment.
import { readFile, stat } from 'node:fs/promises';
import { runCli } from './tenant-tokens.js';

async function readStdin(): Promise<string | undefined> {
  // A terminal means nothing was piped: refuse rather than wait for input (and echo a token on screen).
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  readFile: (path) => readFile(path, 'utf8'),
  // Windows has no group/other bits to check.
  fileMode: async (path) => (process.platform === 'win32' ? undefined : (await stat(path)).mode & 0o777),
  env: process.env,
});
process.exitCode = code;
