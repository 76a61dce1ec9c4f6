// The CLI's clock for writes (cli/aws-clock.ts): AWS's time from DynamoDB's Date header, carried by a monotonic
// clock, a lower bound; unknown until an answer said it (then the CLI writes nothing).
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { AwsClock, AwsTimeUnknownError, awsClockOf } from '../../cli/aws-clock.js';

const AWS = Date.parse('2026-03-01T12:00:00Z');

describe('Class: AwsClock', () => {
  it('refuses to tell the time before any answer carried a Date (never falls back to the laptop)', () => {
    const clock = new AwsClock(() => 0);
    clock.observe(undefined);
    clock.observe('not a date');
    expect(clock.known).toBe(false);
    expect(() => clock.now()).toThrow(AwsTimeUnknownError);
    expect(() => clock.now()).toThrow(/nothing was written.*\[AWS_TIME_UNKNOWN\]/);
  });

  it('carries the header forward by the monotonic clock, whatever the wall clock says', () => {
    let mono = 1_000;
    const clock = new AwsClock(() => mono);
    clock.observe(new Date(AWS).toUTCString());
    mono += 2_500;
    expect(clock.now()).toBe(AWS + 2_500);
  });

  it('keeps the tighter lower bound: a later header that is behind the carried time does not move it back', () => {
    let mono = 0;
    const clock = new AwsClock(() => mono);
    clock.observe(new Date(AWS).toUTCString());
    mono = 1_800;
    clock.observe(new Date(AWS + 1_000).toUTCString()); // the header truncated 12:00:01.8 to 12:00:01
    expect(clock.now()).toBe(AWS + 1_800);
    mono = 2_100;
    clock.observe(new Date(AWS + 3_000).toUTCString());
    expect(clock.now()).toBe(AWS + 3_000);
  });
});

describe('Function: awsClockOf', () => {
  it('reads the Date header of every answer of the client, an error answer included; once per client', async () => {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      maxAttempts: 1,
      requestHandler: {
        handle: async () => ({
          response: {
            statusCode: 400,
            headers: { 'content-type': 'application/x-amz-json-1.0', date: new Date(AWS).toUTCString() },
            body: Buffer.from(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no table' })),
          },
        }),
      } as never,
    });
    const clock = awsClockOf(client);
    expect(awsClockOf(client)).toBe(clock);
    await expect(client.send(new GetItemCommand({ TableName: 't', Key: { orgId: { S: 'a' } } }))).rejects.toThrow();
    expect(clock.known).toBe(true);
    expect(clock.now()).toBeGreaterThanOrEqual(AWS);
    expect(clock.now()).toBeLessThan(AWS + 5_000);
  });
});
