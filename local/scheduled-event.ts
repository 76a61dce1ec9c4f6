// The event EventBridge's schedule delivers to the refresher ("Scheduled Event": a full sweep), as local mode, the
// simulations and the tests send it to the real handler.
import { randomUUID } from 'node:crypto';
import { LOCAL_REGION } from './dynamodb-local.js';

export function scheduledEvent(ruleName = 'tenant-token-refresher-local') {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:000000000000:rule/${ruleName}`],
    detail: {},
  };
}
