// The token table as deployed: keys and indexes from TABLE_SCHEMA, durability (PITR, deletion protection, retained
// key), and the two grants: the refresher's, and the hosted apps' that can never read a refresh token.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import {
  ACCESS_TOKEN_ATTRIBUTES,
  ATTENTION_INDEX_ACTIONS,
  READER_TABLE_ACTIONS,
  REFRESHER_TABLE_ACTIONS,
  TokenTable,
} from '../../cdk/constructs/token-table.js';
import { TABLE_SCHEMA } from '../../lambdas/table-schema.js';
import { asArray, type Cfn, onlyResource, policyStatements, resourceOf, synthStack } from './synth-stack.js';

const { template } = synthStack();
const table = onlyResource(template, 'AWS::DynamoDB::Table');
const tableLogicalId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
const keyLogicalId = table.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0];

/** lib-dynamodb command → the IAM action it needs. */
const DOCUMENT_CLIENT_ACTIONS: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  BatchGet: 'dynamodb:BatchGetItem',
  BatchWrite: 'dynamodb:BatchWriteItem',
  TransactGet: 'dynamodb:TransactGetItems',
  TransactWrite: 'dynamodb:TransactWriteItems',
};

function index(name: string) {
  const found = table.Properties.GlobalSecondaryIndexes.find((i: { IndexName: string }) => i.IndexName === name);
  if (!found) throw new Error(`no index ${name}`);
  return found;
}

function attributeType(name: string): string {
  return table.Properties.AttributeDefinitions.find((a: { AttributeName: string }) => a.AttributeName === name)
    ?.AttributeType;
}

describe('Construct: TokenTable', () => {
  describe('Keys and indexes', () => {
    it('keys each record by orgId (string) and bills on demand', () => {
      expect(table.Properties.KeySchema).toEqual([{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
      expect(attributeType('orgId')).toBe('S');
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    });

    it('has the sparse due index the sweep queries: dueShard (N) / refreshAt (N), projecting version, expiresAt and attention', () => {
      const due = index(TABLE_SCHEMA.dueIndex.name);
      expect(due.KeySchema).toEqual([
        { AttributeName: 'dueShard', KeyType: 'HASH' },
        { AttributeName: 'refreshAt', KeyType: 'RANGE' },
      ]);
      expect(attributeType('dueShard')).toBe('N');
      expect(attributeType('refreshAt')).toBe('N');
      expect(due.Projection).toEqual({
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['version', 'expiresAt', 'attention'],
      });
    });

    it('has the attention index the on-call gauges count: attention (S) / orgId, keys only', () => {
      const attention = index(TABLE_SCHEMA.attentionIndex.name);
      expect(attention.KeySchema).toEqual([
        { AttributeName: 'attention', KeyType: 'HASH' },
        { AttributeName: 'orgId', KeyType: 'RANGE' },
      ]);
      expect(attributeType('attention')).toBe('S');
      expect(attention.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
    });
  });

  describe('Durability and encryption', () => {
    it('has point-in-time recovery on', () => {
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    });

    it('is deletion-protected and retained when the stack is deleted or the table replaced', () => {
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    });

    it('is encrypted with its own customer-managed KMS key, rotated and retained like the table', () => {
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      const key = template.toJSON().Resources[keyLogicalId];
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    });
  });

  describe('Method: grantRefresher', () => {
    const refresherStatements = policyStatements(template).filter(({ statement }) =>
      asArray(statement.Action).some((a: string) => a.startsWith('dynamodb:')),
    );
    const refresher = refresherStatements.find(
      ({ policy, statement }) =>
        policy.startsWith('RefresherRole') && asArray(statement.Action).includes('dynamodb:GetItem'),
    );
    const scans = refresherStatements.filter(({ statement }) => asArray(statement.Action).includes('dynamodb:Scan'));

    it('grants only the calls the store makes, on the table and its two indexes by name (no index/*)', () => {
      expect(refresher).toBeDefined();
      expect(asArray(refresher?.statement.Action).sort()).toEqual([...REFRESHER_TABLE_ACTIONS].sort());
      const resources = JSON.stringify(refresher?.statement.Resource);
      expect(resources).toContain('/index/due');
      expect(resources).toContain('/index/attention');
      expect(resources).not.toContain('*');
    });

    it('covers every DynamoDB command the store imports, so a new call cannot fail with AccessDenied in production', () => {
      const storeSource = readFileSync(path.join(PROJECT_ROOT, 'lambdas/adapters/dynamodb-token-store.ts'), 'utf8');
      const imported = new Set([...storeSource.matchAll(/\b(\w+)Command\b/g)].map((m) => m[1] as string));
      const actions = [...imported].map((name) => {
        const action = DOCUMENT_CLIENT_ACTIONS[name];
        if (!action) throw new Error(`the store uses ${name}Command: add its IAM action to this map and the grant`);
        return action;
      });
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) expect([...REFRESHER_TABLE_ACTIONS, ...ATTENTION_INDEX_ACTIONS]).toContain(action);
    });

    // The gauges read the whole attention index in one request; a Scan anywhere else would list tokens.
    it('allows Scan on the keys-only attention index alone, for the refresher and the planner, nothing else', () => {
      expect(scans.map(({ policy }) => policy.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual([
        'PlannerRoleDefaultPolicy',
        'RefresherRoleDefaultPolicy',
      ]);
      for (const { statement } of scans) {
        expect(asArray(statement.Action)).toEqual(['dynamodb:Scan']);
        const resources = JSON.stringify(statement.Resource);
        expect(resources).toContain('/index/attention');
        expect(resources).not.toContain('/index/due');
        expect(asArray(statement.Resource)).toHaveLength(1);
      }
    });
  });

  describe('Method: grantReadAccessTokens', () => {
    const reader = resourceOf(template, 'AWS::IAM::ManagedPolicy', 'AccessTokenReaderPolicy').Properties.PolicyDocument
      .Statement as Array<Record<string, Cfn>>;
    const tableStatement = reader.find((s) => asArray(s.Action).some((a: string) => a.startsWith('dynamodb:')));

    it('allows point reads of access-token and status attributes only: refreshToken is not on the list', () => {
      const allowed = tableStatement?.Condition['ForAllValues:StringEquals']['dynamodb:Attributes'];
      expect(allowed).toEqual([...ACCESS_TOKEN_ATTRIBUTES]);
      expect(allowed).toEqual([
        'orgId',
        'accessToken',
        'tokenType',
        'expiresAt',
        'status',
        'statusSince',
        'statusReason',
      ]);
      expect(allowed).not.toContain('grantFingerprint');
      expect(allowed).not.toContain('lastError');
      expect(allowed).not.toContain('refreshToken');
      expect(allowed).not.toContain('clientSecretId');
      expect(tableStatement?.Condition.StringEqualsIfExists).toEqual({ 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' });
    });

    it("cannot read any secret the record holds: the refresh token, the org's own client secret", () => {
      const allowed = tableStatement?.Condition['ForAllValues:StringEquals']['dynamodb:Attributes'] as string[];
      for (const secret of ['refreshToken', 'clientSecret']) expect(allowed).not.toContain(secret);
      // Nor anything that only onboarding or the refresher needs.
      for (const other of ['clientId', 'clientSecretId', 'refreshTokenExpiresAt']) expect(allowed).not.toContain(other);
      // ForAllValues over an allow-list: a request naming clientSecret alongside allowed attributes is refused too,
      // and without Select = SPECIFIC_ATTRIBUTES a projection-less GetItem (every attribute) would pass.
      expect(Object.keys(tableStatement?.Condition ?? {}).sort()).toEqual([
        'ForAllValues:StringEquals',
        'StringEqualsIfExists',
      ]);
    });

    it('allows GetItem/BatchGetItem on the table itself: no Query, Scan or index that could project more', () => {
      expect(asArray(tableStatement?.Action).sort()).toEqual([...READER_TABLE_ACTIONS].sort());
      expect(tableStatement?.Resource).toEqual({ 'Fn::GetAtt': [tableLogicalId, 'Arn'] });
    });

    it('lets the reader decrypt through DynamoDB only, and nothing else on the key', () => {
      const keyStatement = reader.find((s) => asArray(s.Action).some((a: string) => a.startsWith('kms:')));
      expect(asArray(keyStatement?.Action).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
      expect(keyStatement?.Resource).toEqual({ 'Fn::GetAtt': [keyLogicalId, 'Arn'] });
      expect(JSON.stringify(keyStatement?.Condition.StringEquals['kms:ViaService'])).toContain('dynamodb.');
      expect(reader).toHaveLength(2);
    });

    it('narrows a grantee to the given orgs with dynamodb:LeadingKeys', () => {
      const stack = new Stack(new App(), 'ReaderGrant');
      const tokens = new TokenTable(stack, 'Tokens');
      const app = new iam.Role(stack, 'HostedApp', { assumedBy: new iam.AccountRootPrincipal() });
      tokens.grantReadAccessTokens(app, { orgIds: ['acme', 'globex'] });
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Condition: {
                'ForAllValues:StringEquals': {
                  'dynamodb:Attributes': [...ACCESS_TOKEN_ATTRIBUTES],
                  'dynamodb:LeadingKeys': ['acme', 'globex'],
                },
                StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
              },
            }),
          ]),
        },
      });
    });

    it('refuses an empty org list instead of granting nothing silently', () => {
      const stack = new Stack(new App(), 'EmptyOrgs');
      const tokens = new TokenTable(stack, 'Tokens');
      const app = new iam.Role(stack, 'HostedApp', { assumedBy: new iam.AccountRootPrincipal() });
      expect(() => tokens.grantReadAccessTokens(app, { orgIds: [] })).toThrow(/orgIds must name at least one org/);
    });
  });
});
