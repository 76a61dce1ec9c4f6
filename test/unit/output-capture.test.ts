// The simulation's view of the handler's output: an invocation's lines are captured as its log group receives them,
// and an execution environment that was killed prints nothing more, wherever its stray timers fire.
import { describe, expect, it } from 'vitest';
import { runInEnvironment, startCapture } from '../../ops/world/output-capture.js';

describe('output capture', () => {
  it('captures the complete lines written while it runs', () => {
    const capture = startCapture();
    process.stdout.write('{"a":1}\n{"b"');
    process.stderr.write(':2}\n');
    expect(capture.stop()).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('drops what a killed environment writes, during a capture and after it', async () => {
    const tag = { killed: false };
    const late = runInEnvironment(
      tag,
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            process.stdout.write('{"message":"from a dead sandbox"}\n');
            resolve();
          }, 5),
        ),
    );
    tag.killed = true;
    const capture = startCapture();
    await late;
    process.stdout.write('{"message":"alive"}\n');
    expect(capture.stop()).toEqual(['{"message":"alive"}']);
  });
});
