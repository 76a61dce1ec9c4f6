// The deployment descriptor: what a deployment is, as the deployment itself publishes it (the planner, from its own
// environment, as the coordination item `#deployment` of the token table). The operator CLI acts with these settings
// instead of the laptop's: the shard an org goes to, the token hosts it may name, the function that refreshes, where
// events and metrics go. Secret-free by construction: nothing here is an org's, a token or a client.
//
// Extensible: a reader keeps fields it does not know (a newer deployment may publish more, e.g. its hosted apps), and
// every field is part of the content hash, so adding one re-publishes the descriptor once.
import * as z from 'zod/mini';
import { hostedAppSchema } from './hosted-apps.js';
import { describeIssues } from './record.js';
import { PLAIN } from './validation-messages.js';

/** Bumped only for a change an older CLI would misread; new optional fields need no bump. */
export const DEPLOYMENT_DESCRIPTOR_VERSION = 1;

const FUNCTION_NAME =
  /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]{1,128})?$/;

/** What the deployment publishes; the planner builds it from its configuration (lambdas/refresher/planner.ts). */
export const deploymentSettingsShape = {
  schemaVersion: z.literal(DEPLOYMENT_DESCRIPTOR_VERSION),
  /** SHARD_COUNT: the due-index shards the sweeps walk and the planner counts. */
  shardCount: z.int().check(z.minimum(1), z.maximum(64)),
  /** ALLOWED_TOKEN_HOSTS, normalised (lower case, sorted, unique). */
  allowedTokenHosts: z.array(z.string().check(z.maxLength(255))).check(z.maxLength(1000)),
  /** ALLOW_LOOPBACK_HTTP: true only in local mode (the stack refuses it). */
  allowLoopbackHttp: z.boolean(),
  /** EVENT_BUS_NAME, or null: org events go to the log only. */
  eventBusName: z.nullable(z.string().check(z.maxLength(256))),
  /** The sweep worker: the function `tenants refresh` invokes with {"orgIds": [ORG]}. */
  refresherFunctionName: z.string().check(z.regex(FUNCTION_NAME)),
  /** Where the metrics go: the EMF namespace and the `service` dimension (POWERTOOLS_SERVICE_NAME). */
  metricNamespace: z.string().check(z.maxLength(255)),
  serviceName: z.string().check(z.maxLength(255)),
  /**
   * The hosted apps it declares (HOSTED_APPS; absent: none, one implicit app): the operator CLI checks an org's
   * assigned app against them (`--app`, an import line's `app`). Names, namespaces, client ids and hosts: no secret.
   */
  apps: z.optional(z.array(hostedAppSchema)),
};

const settingsSchema = z.looseObject(deploymentSettingsShape);

export type DeploymentSettings = z.infer<typeof settingsSchema>;

export const deploymentDescriptorSchema = z.looseObject({
  ...deploymentSettingsShape,
  /** sha256 of the canonical content (contentOf): a publisher writes only when it changed. */
  contentHash: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)),
  /** Epoch ms the content was last written (not re-stamped while it stays the same). */
  publishedAt: z.int().check(z.nonnegative()),
});

export type DeploymentDescriptor = z.infer<typeof deploymentDescriptorSchema>;

/** Fields of the stored item that are not content: the key, the hash itself, the stamp. */
const NOT_CONTENT = new Set(['orgId', 'contentHash', 'publishedAt']);

/** The canonical text of a descriptor's content: every content field, keys sorted at every level. */
export function contentOf(settings: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      return Object.fromEntries(
        entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  const content = Object.fromEntries(Object.entries(settings).filter(([k]) => !NOT_CONTENT.has(k)));
  return JSON.stringify(canonical(content));
}

export async function contentHash(settings: Record<string, unknown>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(contentOf(settings)));
  return `sha256:${Buffer.from(digest).toString('hex')}`;
}

/** The host list as the descriptor keeps it, so two spellings of one list hash alike. */
export function normaliseHosts(hosts: readonly string[]): string[] {
  return [...new Set(hosts.map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0))].sort();
}

/** A stored descriptor, none (a deployment that never planned), or one this code cannot read (the message says why). */
export type DescriptorRead =
  | { state: 'found'; descriptor: DeploymentDescriptor }
  | { state: 'missing' }
  | { state: 'invalid'; message: string };

/** A stored item → a descriptor this code can act on, or why not (never a silent default). */
export function parseDescriptor(item: Record<string, unknown> | undefined): DescriptorRead {
  if (item === undefined) return { state: 'missing' };
  const version = item.schemaVersion;
  if (typeof version === 'number' && version > DEPLOYMENT_DESCRIPTOR_VERSION) {
    return {
      state: 'invalid',
      message: `it was published by a newer version (schemaVersion ${version}, this one reads ${DEPLOYMENT_DESCRIPTOR_VERSION})`,
    };
  }
  const parsed = deploymentDescriptorSchema.safeParse(item, PLAIN);
  if (!parsed.success) return { state: 'invalid', message: describeIssues(parsed.error).replaceAll('record ', '') };
  return { state: 'found', descriptor: parsed.data };
}

/** Where the descriptor lives (the token table's `#deployment` item: lambdas/adapters/dynamodb-deployment.ts). */
export interface DeploymentRegistry {
  /** The stored descriptor; `consistent` for a decision that writes (the CLI), eventual for the planner's check. */
  read(options: { consistent: boolean }): Promise<DescriptorRead>;
  /**
   * Writes the descriptor unless the stored one has this content hash already (a conditional write): `unchanged`
   * when another publisher won with the same content.
   */
  publish(descriptor: DeploymentDescriptor): Promise<'written' | 'unchanged'>;
}
