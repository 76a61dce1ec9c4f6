// DynamoDB stops answering for 10 minutes (requests hang: no error, no answer). Every run hangs on its first query
// until Lambda kills it at the timeout: DurationNearTimeout (the run reached its timeout), LambdaErrors (every tick
// fails), FailureQueueMessages (the killed ticks) and Heartbeat (no sweep completes) must page. Recovery is
// DynamoDB's; the runbook confirms the cause and purges the queue.
import { afterFault, type Scenario, whenTokensReallyExpired } from '../scenario.js';

const MIN = 60_000;

export const dynamodbUnreachable: Scenario = {
  id: 'dynamodb-unreachable',
  title: 'DynamoDB not answering for 10 minutes (runs killed at the timeout)',
  expect: [
    {
      alarm: 'DurationNearTimeout',
      why: 'the first run is killed at the timeout (3 min) + one 5-minute period + 1 min',
      deadline: afterFault(180 + 300 + 60),
    },
    {
      alarm: 'LambdaErrors',
      why: 'two killed runs in a 5-minute window + 1 min',
      deadline: afterFault(180 + 2 * 300 + 60),
    },
    {
      alarm: 'FailureQueueMessages',
      why: 'the first killed run + one period + 1 min',
      deadline: afterFault(180 + 300 + 60),
    },
    { alarm: 'Heartbeat', why: 'no sweep completes: three periods + 1 min', deadline: afterFault(3 * 60 + 60) },
    {
      alarm: 'ExpiredAccessTokens',
      why: 'only if a token really expired in two sweeps in a row',
      deadline: whenTokensReallyExpired(),
    },
  ],
  async run({ w, fault, recover }) {
    w.switches = { ...w.switches, dynamoHangs: true };
    fault('DynamoDB stops answering');
    await w.runFor(10 * MIN);
    w.switches = { ...w.switches, dynamoHangs: false };
    recover('DynamoDB answers again');
  },
};
