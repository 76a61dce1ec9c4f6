// Every alarm in the template must be proven by some scenario — expected (its ground truth held) and fired on time
// in at least one — or be listed here with the reason it cannot be produced locally. An alarm nobody has seen fire
// is exactly what the simulation exists to prevent, so a new alarm without a scenario fails the full run.
import type { ScenarioResult } from './scenario.js';

export const NOT_PRODUCIBLE: Readonly<Record<string, string>> = {
  DynamoDbThrottles:
    'DynamoDB Local never throttles and publishes no CloudWatch metrics; the alarm’s metric math (FILL over six ' +
    'throttle metrics) is evaluated on an empty stream and proven only silent here.',
};

export function unprovenAlarms(
  alarmIds: readonly string[],
  results: readonly Pick<ScenarioResult, 'status' | 'expected' | 'missed'>[],
): string[] {
  const proven = new Set(
    results.filter((r) => r.status === 'run').flatMap((r) => r.expected.filter((a) => !r.missed.includes(a))),
  );
  return alarmIds.filter((id) => !proven.has(id) && !(id in NOT_PRODUCIBLE));
}
