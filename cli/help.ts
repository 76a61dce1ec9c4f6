// Help texts for `tenant-tokens`: one per command, printed by --help (exit 0) and after a usage error's message.

export const MAIN_HELP = `Usage: tenant-tokens [--table NAME] tenants <command> [options]

Operator commands for the token table (one record per org). AWS access uses the standard credential chain
(AWS_PROFILE, AWS_REGION, ...); against local mode set AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_LAMBDA
(npm start prints the line). Commands that write act with the deployment's settings, which its planner publishes
in the table: SHARD_COUNT, ALLOWED_TOKEN_HOSTS, ALLOW_LOOPBACK_HTTP or EVENT_BUS_NAME set here must agree with
them or nothing is written; every lease check and time stamp uses AWS's clock, not this machine's.

Commands:
  tenants add ORG ...       onboard an org (secrets from a file or stdin, never from the command line)
  tenants import FILE       onboard many orgs from JSON Lines (validated first; re-running changes nothing)
  tenants list              every org: status, expiry, last refresh, failures (no tokens)
  tenants show ORG          one org in detail (tokens appear only as sha256 fingerprints)
  tenants refresh ORG       refresh now, through the refresher's own claim/commit path
  tenants disable ORG       stop refreshing an org (its grant is kept)
  tenants enable ORG        resume a disabled org
  tenants reauth ORG        store a new grant after the customer re-authorised: back to ACTIVE
  tenants remove ORG        offboard an org: stop refreshing, revoke its tokens, keep no secret

Global options:
  --table NAME   the token table (default: $TABLE_NAME)
  -h, --help     this help; \`tenant-tokens tenants <command> --help\` for a command

Exit codes: 0 done, 1 the operation failed, 2 usage error.
`;

export const TENANTS_HELP = `Usage: tenant-tokens [--table NAME] tenants <add|list|show|refresh|disable|enable|reauth|remove|import> ...

Run \`tenant-tokens tenants <command> --help\` for a command's options, \`tenant-tokens --help\` for an overview.
`;

export const ADD_HELP = `Usage: tenant-tokens [--table NAME] tenants add ORG --provider genesys|zendesk|generic
         --grant-type refresh_token|client_credentials [provider options]
         (--secret-id ID | --client-id ID --client-secret-file FILE) [--refresh-token-file FILE]

Onboards ORG as ACTIVE and due at once: the next refresher run issues its first access token.
Secrets are read from files or stdin, never from the command line (argv is visible to other users in \`ps\`
and stays in shell history): the refresh token from --refresh-token-file or stdin, the org's own client
secret from --client-secret-file (\`-\` reads stdin; stdin carries one secret at most).

The org's OAuth client, one of:
  --secret-id ID            a client shared by many orgs: Secrets Manager secret {"clientId", "clientSecret"}
  --client-id ID            the org's own client (e.g. the one an AppFoundry premium app's install creates in
  --client-secret-file F      the customer's org), stored in the record like its refresh token

Options:
  --provider P              genesys, zendesk or generic
  --region R                genesys: the org's Genesys Cloud region (e.g. us-east-1, eu-west-1, eusc-de-east-1)
  --subdomain S             zendesk: the S of S.zendesk.com
  --token-url URL           generic: the https token endpoint; its host must be on ALLOWED_TOKEN_HOSTS
  --revocation-url URL      generic: the provider's RFC 7009 revocation endpoint, used by \`tenants remove\`
                            (same checks and allow-list as --token-url)
  --client-auth M           generic: basic (default) or post (client_secret_post)
  --org-param NAME          generic: body parameter carrying the org id (e.g. organization_id)
  --scope S                 scope to request
  --offline-access          add offline_access to the scope; warn when a response lacks it
  --grant-type G            refresh_token or client_credentials
  --refresh-token-file F    file holding the refresh token (refresh_token only; default or -: read stdin)
  --expires-in S            zendesk: access-token lifetime to ask for, 300-172800 seconds (default 1800)
  --refresh-token-expires-in S
                            zendesk: refresh-token lifetime to ask for, 604800-7776000 seconds (default 30 days)
  --app NAME                the hosted app the org belongs to (recorded as its app); with HOSTED_APPS set here
                            (the stack's declarations), NAME must be declared and own ORG's org-id namespace
  -h, --help                this help

A Zendesk org needs a refresh token: Zendesk issues them only since 2025-04-30, and a token issued before
cannot be refreshed, so such an org's customer must re-authorise the app first.

The org goes to the deployment's shards and a generic --token-url must be on the deployment's
ALLOWED_TOKEN_HOSTS, both as the deployment publishes them in the table (set here, they must agree).

Examples:
  tenant-tokens --table tenant-tokens tenants add 3f9b0c1e-acme --provider genesys --region eu-west-1 \\
      --grant-type client_credentials --client-id 7d0c9a3e-... --client-secret-file ./acme-client-secret.txt
  tenant-tokens tenants add acme-support --provider zendesk --subdomain acme --grant-type refresh_token \\
      --secret-id tenant-tokens/zendesk-app --refresh-token-expires-in 7776000 < ./rt.txt
`;

export const IMPORT_HELP = `Usage: tenant-tokens [--table NAME] tenants import FILE [--skip-invalid] [--dry-run] [--json]

Onboards many orgs from FILE, JSON Lines: one JSON object per line with the fields of \`tenants add\` as the
record names them (orgId, provider, grantType, region, subdomain, tokenUrl, clientAuth, orgParam, scope,
requiresOfflineAccess, clientSecretId or clientId + clientSecret, refreshToken, requestedExpiresIn,
requestedRefreshTokenExpiresIn), and optionally app: the hosted app the org belongs to (checked against HOSTED_APPS
when set, like add --app). FILE holds secrets: it must not be readable by group or others (chmod 600).

Every line is validated first and every bad line reported with its line number and field; nothing is written
while any line is bad. Orgs that already exist are reported unchanged and never overwritten, so re-running an
import changes nothing. First refreshes are spread over a window that grows with the number of orgs (500 a
minute, at most an hour), so a big import is not due all at once.

Options:
  --skip-invalid   import the valid lines even if some are bad (the bad ones are still reported)
  --dry-run        validate only; write nothing
  --json           one JSON object: lines, valid, invalid, written, added, unchanged, failed, skipped,
                   spreadSeconds, problems [{line, field, message}], failures [{line, orgId, error}], durationMs
  -h, --help       this help

Exit codes: 0 every valid line added or unchanged; 1 nothing written (bad lines) or a write failed (re-run it);
2 usage error (including a FILE others may read).

Example line:
  {"orgId":"acme","provider":"genesys","region":"eu-west-1","grantType":"client_credentials",
   "clientId":"7d0c9a3e-...","clientSecret":"..."}
`;

export const LIST_HELP = `Usage: tenant-tokens [--table NAME] tenants list [--json]

Lists every org (a paginated Scan that projects no token attribute): provider, grant type, status, when the
access token expires, the last refresh, consecutive failures and the last error code.

Options:
  --json       one JSON array of org summaries instead of the table
  -h, --help   this help
`;

export const SHOW_HELP = `Usage: tenant-tokens [--table NAME] tenants show ORG [--json]

Shows one org: settings, token URL, status, expiry, schedule, lease, failures and last error. Tokens appear only
as sha256 fingerprints (compare them, never read them).

Options:
  --json       one JSON object instead of the text
  -h, --help   this help
`;

export const REFRESH_HELP = `Usage: tenant-tokens [--table NAME] tenants refresh ORG

Refreshes ORG now, due or not, by invoking the deployment's refresher function ({"orgIds": [ORG]}, the function
the deployment names in its table): the refresher's own path (claim with a lease, org-scoped request, commit
fenced by the version) with the deployment's settings, clock, events and metrics, so it can never race the
scheduled refresher. Needs lambda:InvokeFunction on that function and read access to the table; not the org's
secret, nor the token endpoint. Against local mode, set AWS_ENDPOINT_URL_LAMBDA (npm start prints it).

Options:
  -h, --help   this help
`;

export const DISABLE_HELP = `Usage: tenant-tokens [--table NAME] tenants disable ORG

Stops refreshing ORG: status DISABLED, out of the due index. Its grant is kept, so \`tenants enable\` resumes it
(if the refresh token has not expired meanwhile). Refused while a refresher holds the org's lease.

Options:
  -h, --help   this help
`;

export const ENABLE_HELP = `Usage: tenant-tokens [--table NAME] tenants enable ORG

Resumes a DISABLED org: ACTIVE, back in the due index, due at once. An org whose grant died (REAUTH_REQUIRED)
needs \`tenants reauth\` instead.

Options:
  -h, --help   this help
`;

export const REAUTH_HELP = `Usage: tenant-tokens [--table NAME] tenants reauth ORG [--refresh-token-file FILE]
         [--client-id ID --client-secret-file FILE]

Stores a new grant after the customer re-authorised the app: status ACTIVE, failures, last error and attention
cleared, due at once (the next refresher run issues a new access token). The new refresh token is read from
--refresh-token-file or stdin (never from the command line); a client_credentials org takes none.

With --client-id and --client-secret-file the org's own client is replaced too: reinstalling an AppFoundry
premium app creates a new OAuth client in the customer's org (the old one is gone: INVALID_CLIENT).

Options:
  --refresh-token-file F  file holding the new refresh token (default or -: read stdin)
  --client-id ID          the org's new own client
  --client-secret-file F  file holding its secret (-: read stdin)
  -h, --help              this help
`;

export const REMOVE_HELP = `Usage: tenant-tokens [--table NAME] tenants remove ORG [--json]

Offboards ORG (its customer left): status REMOVED at once, out of the due index, every token and the org's own
client secret deleted from its record, conditional on the version read and no live lease (a refresh in flight
makes it exit 1 with "try again in N s"). Then its tokens are revoked at the provider where the provider
documents a way (RFC 7009 for a generic org with a revocation URL; Genesys and Zendesk: the access token), an
Org Removed event is published, and it says per token: revoked, NOT revoked (and why), none held, or left to
expire. Removing a removed org changes nothing. A new grant (a hosted app's submitGrant, or \`tenants add\`)
onboards it again.

Runs in the deployment's refresher function (like \`tenants refresh\`), so the revocation uses the deployment's
allow-list, secrets, network and event bus: the operator needs lambda:InvokeFunction on that function, no secret.

Options:
  --json       one JSON object: orgId, status, alreadyRemoved, removedAt, revocation {refreshToken,
               refreshTokenReason, accessToken, accessTokenReason, accessTokenExpiresAt}, secretsHeld
  -h, --help   this help
`;
