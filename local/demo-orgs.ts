// Local mode's demo tenants: one per case that matters, onboarded through the operator CLI's own code path
// (TenantAdmin.add). Their records look like production ones — Genesys region hosts, a Zendesk subdomain, an https
// IdP URL — and TOKEN_ENDPOINT_OVERRIDE sends each request, in its real shape, to the loopback OAuth server.
import { randomBytes } from 'node:crypto';
import type { TenantAdmin } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import type { OrgSettings } from '../lambdas/core/record.js';
import type { LocalOAuthServer, OAuthClientSpec } from './oauth-server.js';

/** The generic profile's IdP host in the demo records (ALLOWED_TOKEN_HOSTS in local mode). */
export const DEMO_IDP_HOST = 'idp.example.com';

type ClientKey = 'genesys' | 'zendesk' | 'orgParam' | 'clientCredentials';

/** Demo OAuth clients; secrets are random per run and live only in the server and the Secrets Manager stand-in. */
export function demoClients(): Record<ClientKey, OAuthClientSpec & { secretId: string }> {
  const secret = () => randomBytes(24).toString('base64url');
  return {
    genesys: {
      clientId: 'genesys-demo-app',
      clientSecret: secret(),
      auth: 'basic',
      secretId: 'local/genesys-demo-app',
    },
    zendesk: {
      clientId: 'zendesk-demo-app',
      clientSecret: secret(),
      auth: 'post',
      strictRotation: true,
      secretId: 'local/zendesk-demo-app',
    },
    orgParam: {
      clientId: 'orgparam-demo-app',
      clientSecret: secret(),
      auth: 'basic',
      requireOrgParam: 'organization_id',
      secretId: 'local/orgparam-demo-app',
    },
    clientCredentials: {
      clientId: 'cc-demo-app',
      clientSecret: secret(),
      auth: 'post',
      secretId: 'local/cc-demo-app',
    },
  };
}

export interface DemoOrg {
  settings: Omit<OrgSettings, 'clientSecretId'>;
  client: ClientKey;
  /** What this org shows, for the status screen. */
  shows: string;
  /** Revoke the grant after onboarding: the customer disconnected the app, so the org must go to re-auth. */
  revoke?: boolean;
}

export const DEMO_ORGS: readonly DemoOrg[] = [
  {
    settings: { orgId: 'acme-genesys', provider: 'genesys', grantType: 'refresh_token', region: 'us-east-1' },
    client: 'genesys',
    shows: 'Genesys region host, HTTP Basic',
  },
  {
    settings: { orgId: 'wayne-genesys-eu', provider: 'genesys', grantType: 'refresh_token', region: 'eu-west-1' },
    client: 'genesys',
    shows: 'another region, same client',
  },
  {
    settings: { orgId: 'globex-zendesk', provider: 'zendesk', grantType: 'refresh_token', subdomain: 'globex' },
    client: 'zendesk',
    shows: 'client_secret_post, strict rotation',
  },
  {
    settings: {
      orgId: 'initech-orgparam',
      provider: 'generic',
      grantType: 'refresh_token',
      tokenUrl: `https://${DEMO_IDP_HOST}/oauth/token`,
      clientAuth: 'basic',
      orgParam: 'organization_id',
    },
    client: 'orgParam',
    shows: 'org id as organization_id',
  },
  {
    settings: {
      orgId: 'hooli-cc',
      provider: 'generic',
      grantType: 'client_credentials',
      tokenUrl: `https://${DEMO_IDP_HOST}/oauth/token`,
      clientAuth: 'post',
    },
    client: 'clientCredentials',
    shows: 'client credentials',
  },
  {
    settings: { orgId: 'umbrella-revoked', provider: 'genesys', grantType: 'refresh_token', region: 'ap-southeast-2' },
    client: 'genesys',
    shows: 'grant revoked -> re-auth via intake',
    revoke: true,
  },
];

/** Onboards every demo org (initial grants minted server-side, as an authorization-code flow would). */
export async function seedDemoOrgs(
  admin: TenantAdmin,
  oauth: LocalOAuthServer,
  clients: ReturnType<typeof demoClients>,
): Promise<void> {
  for (const org of DEMO_ORGS) {
    const client = clients[org.client];
    const refreshToken =
      org.settings.grantType === 'refresh_token'
        ? await oauth.mintRefreshToken(client.clientId, org.settings.orgId)
        : undefined;
    await admin.add({ ...org.settings, clientSecretId: client.secretId }, refreshToken);
    if (org.revoke && refreshToken) await oauth.revokeGrant(refreshToken);
  }
}
