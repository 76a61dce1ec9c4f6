// Runs around every test file of the reliability run, the integration scenarios included: when the file ends, every
// harness it created is added to the file's leak ledger (its captured log, every attribute of every record except
// the three that are meant to hold secrets, every token its OAuth server issued, every client secret — the shared
// ones in the Secrets Manager stand-in and the orgs' own in their records), the ledger is scanned, and the file fails
// if any secret shows up in any text.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, expect, inject } from 'vitest';
import { createDocumentClient } from '../../../lambdas/adapters/dynamodb-token-store.js';
import { localDynamoDbClient } from '../../../local/dynamodb-local.js';
import { CLIENTS, createdHarnesses, type Harness } from '../../support/harness.js';
import { recordFigure } from './figures.js';
import { fileLedger } from './file-ledger.js';

/** The attributes whose job is to hold secrets; everything else on a record must be free of them. */
const SECRET_ATTRIBUTES = new Set(['accessToken', 'refreshToken', 'clientSecret']);

async function addHarness(h: Harness): Promise<void> {
  fileLedger.addOAuthServer(h.oauth, Object.values(CLIENTS));
  for (const line of h.log.lines)
    fileLedger.addText(`log ${h.table}`, `${line.message} ${JSON.stringify(line.fields ?? {})}`);
  const ddb = localDynamoDbClient(inject('dynamoDbEndpoint'));
  const doc = createDocumentClient(ddb);
  try {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new ScanCommand({ TableName: h.table, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const visible = Object.fromEntries(Object.entries(item).filter(([k]) => !SECRET_ATTRIBUTES.has(k)));
        // An org's own client secret is a secret wherever else it turns up.
        if (typeof item.clientSecret === 'string') fileLedger.addSecret(item.clientSecret, 'client secret');
        fileLedger.addText(`record ${h.table}`, visible);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    ddb.destroy();
  }
}

afterAll(async () => {
  for (const h of createdHarnesses) await addHarness(h);
  const scan = fileLedger.scan();
  recordFigure('leak scan texts', scan.texts);
  recordFigure('leak scan secrets', scan.secrets);
  recordFigure('leaks', scan.leaks.length);
  expect(scan.leaks, 'a token or client secret appeared in a log line, metric, error or result').toEqual([]);
}, 120_000);
