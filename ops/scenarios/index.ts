// Every scenario, in the order the report lists them.
import type { Scenario } from '../scenario.js';
import { app401Loop } from './app-401-loop.js';
import { backlog } from './backlog.js';
import { badConfiguration } from './bad-configuration.js';
import { commitFails } from './commit-fails.js';
import { crashAfterAnswer } from './crash-after-answer.js';
import { dynamodbUnreachable } from './dynamodb-unreachable.js';
import { grantRevoked } from './grant-revoked.js';
import { healthyDay } from './healthy-day.js';
import { intakeUnavailable } from './intake-unavailable.js';
import { providerOutage } from './provider-outage.js';
import { providerOutageLong } from './provider-outage-long.js';
import { providerThrottling } from './provider-throttling.js';
import { refreshTokenExpiring } from './refresh-token-expiring.js';
import { scheduleStopped } from './schedule-stopped.js';
import { secretBroken } from './secret-broken.js';
import { slowProvider } from './slow-provider.js';

export const SCENARIOS: readonly Scenario[] = [
  healthyDay,
  grantRevoked,
  providerOutage,
  providerOutageLong,
  slowProvider,
  scheduleStopped,
  crashAfterAnswer,
  commitFails,
  secretBroken,
  badConfiguration,
  dynamodbUnreachable,
  intakeUnavailable,
  refreshTokenExpiring,
  backlog,
  providerThrottling,
  app401Loop,
];
