// One DynamoDB Local JVM per test run; each test file creates its own table on it, so files run in parallel.
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const ddb = await startDynamoDbLocal({ progress: (line) => console.log(line), installSignalHandlers: false });
  project.provide('dynamoDbEndpoint', ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
