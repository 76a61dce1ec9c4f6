// The simulated customers: a small fleet that looks like production — Genesys orgs in several regions sharing one
// OAuth client, Zendesk orgs (client_secret_post, strict rotation), generic IdP orgs scoped by an org parameter, and
// client-credentials orgs — each onboarded through the operator's own code path with a grant the loopback OAuth
// server minted for it, a few minutes apart, so their refreshes spread over the hour as a real fleet's do.
import type { OrgSettings } from '../../lambdas/core/record.js';
import { DEMO_IDP_HOST, type demoClients } from '../../local/demo-orgs.js';

export type ClientKey = keyof ReturnType<typeof demoClients>;

export interface FleetOrg {
  settings: Omit<OrgSettings, 'clientSecretId'>;
  client: ClientKey;
}

const genesys = (orgId: string, region: string): FleetOrg => ({
  settings: { orgId, provider: 'genesys', grantType: 'refresh_token', region },
  client: 'genesys',
});
const zendesk = (orgId: string, subdomain: string): FleetOrg => ({
  settings: { orgId, provider: 'zendesk', grantType: 'refresh_token', subdomain },
  client: 'zendesk',
});
const generic = (orgId: string): FleetOrg => ({
  settings: {
    orgId,
    provider: 'generic',
    grantType: 'refresh_token',
    tokenUrl: `https://${DEMO_IDP_HOST}/oauth/token`,
    clientAuth: 'basic',
    orgParam: 'organization_id',
  },
  client: 'orgParam',
});
const clientCredentials = (orgId: string): FleetOrg => ({
  settings: {
    orgId,
    provider: 'generic',
    grantType: 'client_credentials',
    tokenUrl: `https://${DEMO_IDP_HOST}/oauth/token`,
    clientAuth: 'post',
  },
  client: 'clientCredentials',
});

export const FLEET: readonly FleetOrg[] = [
  genesys('acme-genesys', 'us-east-1'),
  zendesk('globex-zendesk', 'globex'),
  generic('initech-idp'),
  genesys('wayne-genesys', 'eu-west-1'),
  clientCredentials('hooli-cc'),
  zendesk('soylent-zendesk', 'soylent'),
  genesys('stark-genesys', 'ap-southeast-2'),
  generic('umbrella-idp'),
  genesys('cyberdyne-genesys', 'ca-central-1'),
  zendesk('tyrell-zendesk', 'tyrell'),
  clientCredentials('massive-cc'),
  genesys('oscorp-genesys', 'eu-central-1'),
];

/** One token lifetime, as the providers issue it (Genesys' default is a day; most IdPs an hour). */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
