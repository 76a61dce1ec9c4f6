// A real OAuth server on loopback: oidc-provider with refresh-token rotation and reuse detection (reusing a spent
// refresh token revokes the whole grant) and RFC 7009 revocation at /oauth/revoke (revoking a refresh token revokes
// its grant). Tests, local mode and the bench run against it. On top of the provider: clients that require an org
// parameter, strict rotation (Zendesk: the previous access token dies at refresh), the providers' own access-token
// DELETEs (Genesys /api/v2/tokens/me, Zendesk /api/v2/oauth/tokens/current.json), fault injection, latency, and a
// record of every token issued (the leak checks need them all).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Provider from 'oidc-provider';

export interface OAuthClientSpec {
  clientId: string;
  clientSecret: string;
  /** client_secret_basic (Genesys, most) or client_secret_post (Zendesk). */
  auth: 'basic' | 'post';
  /** The server refuses requests without this body parameter set to the org (the grant's account) id. */
  requireOrgParam?: string;
  /** Zendesk semantics: a successful refresh deletes the previous access token at once. */
  strictRotation?: boolean;
}

/** What the fault hook may do to one token request. */
export type Fault =
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** Never answer: before the provider sees the request (the refresh token is untouched)… */
  | { kind: 'hang-before' }
  /** …or after it processed it (the refresh token is spent, the new one never arrives). */
  | { kind: 'hang-after' }
  | { kind: 'reset-before' }
  | { kind: 'reset-after' }
  /**
   * Let the provider answer (a refresh rotates the token), then replace its answer with this status: a gateway that
   * lost the provider's answer (502) or stopped waiting for it (504).
   */
  | { kind: 'status-after'; status: number; body?: string; contentType?: string }
  /** Let the provider answer, then cut the JSON in half. */
  | { kind: 'truncate' }
  /** Let the provider answer, then change the JSON (delete or replace fields). */
  | { kind: 'mutate'; mutate: (body: Record<string, unknown>) => Record<string, unknown> }
  | { kind: 'delay'; ms: number };

export interface TokenRequestInfo {
  clientId: string | undefined;
  grantType: string | undefined;
  path: string;
  params: URLSearchParams;
}

/** One revocation request as the server received it (the token is a secret: tests compare, never print it). */
export interface RevocationRequestInfo {
  /** `/oauth/revoke` (RFC 7009) or a provider's own DELETE path. */
  path: string;
  method: string;
  /** The token the request revokes (the form's `token`, or the bearer of a DELETE). */
  token: string | undefined;
  tokenTypeHint: string | undefined;
  clientId: string | undefined;
  at: number;
}

export interface OAuthServerOptions {
  clients: OAuthClientSpec[];
  port?: number;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /**
   * How a rotated refresh token's lifetime counts: `sliding` (the default) gives each new one the full TTL, so
   * refreshing extends the grant; `absolute` keeps the first one's expiry, so the grant dies on schedule whatever
   * the refresher does.
   */
  refreshTokenExpiry?: 'sliding' | 'absolute';
  /** Add `refresh_token_expires_in` to every answer that carries a refresh token, as Zendesk does. */
  reportRefreshTokenExpiresIn?: boolean;
  /** Honour `expires_in` and `refresh_token_expires_in` in the token request (Zendesk semantics). */
  honourRequestedLifetimes?: boolean;
  /** Added to every token request (the bench's fixed endpoint latency). */
  latencyMs?: number;
  faultHook?: (info: TokenRequestInfo) => Fault | undefined;
  /** Like faultHook, for revocation requests (RFC 7009 and the bearer DELETEs): `status` faults only. */
  revocationHook?: (info: RevocationRequestInfo) => Fault | undefined;
  /** Print oidc-provider's own warnings (off by default: they are about production key material). */
  verbose?: boolean;
}

export interface OAuthServerStats {
  tokenRequests: number;
  /** The most token requests this server was handling at once (a provider's in-flight limit is counted here). */
  maxInFlight: number;
  successes: number;
  byGrantError: Record<string, number>;
  byStatus: Record<string, number>;
  invalidGrant: number;
  faultsInjected: number;
  /** Revocation requests received (RFC 7009 and the bearer DELETEs). */
  revocationRequests: number;
}

type Stored = { payload: Record<string, unknown>; expiresAt: number };

/** The part of oidc-provider's (koa) context the middleware uses. */
type MiddlewareContext = {
  path: string;
  method: string;
  req: http.IncomingMessage & { body?: string };
  status: number;
  body: unknown;
  type: string;
  set(name: string, value: string): void;
  get(name: string): string;
};

/** oidc-provider's adapter interface over one Map per server (its built-in LRU drops entries past 1 000). */
function mapAdapterFactory() {
  const store = new Map<string, Stored>();
  const grants = new Map<string, Set<string>>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  return (model: string) => ({
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const key = `${model}:${id}`;
      store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
      const grantId = payload.grantId as string | undefined;
      if (grantId) {
        const members = grants.get(grantId) ?? new Set<string>();
        members.add(key);
        grants.set(grantId, members);
      }
    },
    async find(id: string) {
      return live(`${model}:${id}`);
    },
    async findByUid(uid: string) {
      for (const [key, entry] of store)
        if (key.startsWith(`${model}:`) && entry.payload.uid === uid) return entry.payload;
      return undefined;
    },
    async findByUserCode(userCode: string) {
      for (const [key, entry] of store)
        if (key.startsWith(`${model}:`) && entry.payload.userCode === userCode) return entry.payload;
      return undefined;
    },
    async consume(id: string) {
      const payload = live(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId: string) {
      for (const key of grants.get(grantId) ?? []) store.delete(key);
      grants.delete(grantId);
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type RotationCtx = { oidc?: { entities?: { RotatedRefreshToken?: { remainingTTL: number } } } };

/** A lifetime this request asked for (honourRequestedLifetimes), from the context oidc-provider hands a TTL function. */
function requested(ctx: unknown, which: 'accessToken' | 'refreshToken'): number | undefined {
  const asked = (ctx as { state?: { requestedLifetimes?: Record<string, number | undefined> } } | undefined)?.state
    ?.requestedLifetimes;
  return asked?.[which];
}

export class LocalOAuthServer {
  readonly stats: OAuthServerStats = {
    tokenRequests: 0,
    successes: 0,
    byGrantError: {},
    byStatus: {},
    invalidGrant: 0,
    faultsInjected: 0,
    revocationRequests: 0,
    maxInFlight: 0,
  };
  /** Every revocation request, in arrival order. */
  readonly revocations: RevocationRequestInfo[] = [];
  revocationHook: OAuthServerOptions['revocationHook'];
  /** When each token request arrived (epoch ms), in order: a provider's per-second limit is counted here. */
  readonly tokenRequestArrivals: number[] = [];
  #inFlight = 0;
  /** Every access and refresh token this server issued (minted or returned), for leak checks. */
  readonly issuedTokens = new Set<string>();
  faultHook: OAuthServerOptions['faultHook'];
  latencyMs: number;

  private constructor(
    readonly provider: Provider,
    private readonly server: http.Server,
    private readonly sockets: Set<Socket>,
    readonly origin: string,
    private readonly clients: Map<string, OAuthClientSpec>,
    private readonly options: OAuthServerOptions,
    private readonly grantEnds: Map<string, number> = new Map(),
  ) {
    this.faultHook = options.faultHook;
    this.revocationHook = options.revocationHook;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** The token endpoint (`/oauth/token`; `/oauth/tokens` and `/token` are served too). */
  get tokenUrl(): string {
    return `${this.origin}/oauth/token`;
  }

  /** The RFC 7009 revocation endpoint. */
  get revocationUrl(): string {
    return `${this.origin}/oauth/revoke`;
  }

  static async start(options: OAuthServerOptions): Promise<LocalOAuthServer> {
    if (!options.verbose) quietOidcProviderNotices();
    const server = http.createServer();
    const sockets = new Set<Socket>();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const clients = new Map(options.clients.map((c) => [c.clientId, c]));
    // Grants ended on a fixed date (endGrantAt): grantId → epoch ms. Read by the RefreshToken TTL below.
    const grantEnds = new Map<string, number>();

    const provider = new Provider(origin, {
      adapter: mapAdapterFactory(),
      clients: options.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        grant_types: ['refresh_token', 'client_credentials', 'authorization_code'],
        redirect_uris: ['http://127.0.0.1/callback'],
        response_types: ['code'],
        token_endpoint_auth_method: c.auth === 'basic' ? 'client_secret_basic' : 'client_secret_post',
      })),
      cookies: { keys: [randomBytes(16).toString('hex')] },
      jwks: { keys: [privateKey.export({ format: 'jwk' }) as never] },
      features: {
        clientCredentials: { enabled: true },
        devInteractions: { enabled: false },
        // RFC 7009; a client may revoke only its own tokens (the default policy). Revoking a refresh token or an
        // access token revokes its whole grant (oidc-provider's default revokeGrantPolicy for refresh tokens).
        revocation: { enabled: true },
      },
      scopes: ['openid', 'offline_access'],
      rotateRefreshToken: true,
      routes: { token: '/oauth/token', revocation: '/oauth/revoke' },
      ttl: {
        AccessToken: (ctx) => requested(ctx, 'accessToken') ?? options.accessTokenTtlSeconds ?? 3600,
        ClientCredentials: (ctx) => requested(ctx, 'accessToken') ?? options.accessTokenTtlSeconds ?? 3600,
        RefreshToken: (ctx, token) => {
          const end = grantEnds.get(String((token as { grantId?: string } | undefined)?.grantId));
          if (end !== undefined) return Math.max(1, Math.ceil((end - Date.now()) / 1000));
          const rotated = (ctx as RotationCtx | undefined)?.oidc?.entities?.RotatedRefreshToken;
          if (options.refreshTokenExpiry === 'absolute' && rotated) return Math.max(1, rotated.remainingTTL);
          return requested(ctx, 'refreshToken') ?? options.refreshTokenTtlSeconds ?? 14 * 86_400;
        },
        // The grant outlives any refresh token it issues; the refresh token's own TTL is what expires first.
        Grant: Math.max(options.refreshTokenTtlSeconds ?? 14 * 86_400, 90 * 86_400),
        IdToken: 3600,
      },
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    });
    // Loopback over http: oidc-provider wants to know it is not behind a TLS-terminating proxy by accident.
    provider.proxy = false;

    const self = new LocalOAuthServer(provider, server, sockets, origin, clients, options, grantEnds);
    provider.use((ctx, next) => self.middleware(ctx as never, next));
    provider.on('grant.error', (_ctx, error: { error?: string }) => {
      const code = error.error ?? 'unknown';
      self.stats.byGrantError[code] = (self.stats.byGrantError[code] ?? 0) + 1;
      if (code === 'invalid_grant') self.stats.invalidGrant++;
    });
    server.on('request', provider.callback());
    return self;
  }

  private async middleware(ctx: MiddlewareContext, next: () => Promise<void>): Promise<void> {
    if (ctx.method === 'GET' && ctx.path === '/api/whoami') return this.whoami(ctx);
    if (ctx.method === 'DELETE' && OWN_REVOCATION_PATHS.has(ctx.path)) return this.deleteCurrentToken(ctx);
    if (ctx.method === 'POST' && ctx.path === '/oauth/revoke') return this.revocation(ctx, next);
    if (ctx.method !== 'POST' || !/\/(oauth\/tokens?|token)$/.test(ctx.path)) return next();
    this.tokenRequestArrivals.push(Date.now());
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, ++this.#inFlight);
    try {
      await this.tokenRequest(ctx, next);
    } finally {
      this.#inFlight--;
    }
  }

  private async tokenRequest(ctx: MiddlewareContext, next: () => Promise<void>): Promise<void> {
    // Zendesk's path and a bare /token are the same endpoint here.
    (ctx as { path: string }).path = '/oauth/token';
    this.stats.tokenRequests++;

    const raw = await readAll(ctx.req);
    ctx.req.body = raw; // oidc-provider reads req.body once the stream is consumed
    const params = new URLSearchParams(raw);
    const clientId = clientIdOf(ctx.get('authorization'), params);
    const grantType = params.get('grant_type') ?? undefined;
    const info: TokenRequestInfo = { clientId, grantType, path: ctx.path, params };

    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (this.options.honourRequestedLifetimes) {
      // Read by the TTL functions above (oidc-provider hands them this request's context).
      const seconds = (name: string) => (/^\d+$/.test(params.get(name) ?? '') ? Number(params.get(name)) : undefined);
      (ctx as unknown as { state: Record<string, unknown> }).state.requestedLifetimes = {
        accessToken: seconds('expires_in'),
        refreshToken: seconds('refresh_token_expires_in'),
      };
    }
    const fault = this.faultHook?.(info);
    if (fault) this.stats.faultsInjected++;

    if (clientId !== undefined && this.rotatedSecrets.has(clientId)) {
      if (!this.acceptRotatedSecret(ctx, clientId, params)) {
        ctx.status = 401;
        ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
        this.countStatus(401);
        return;
      }
    }

    const orgParamError = await this.checkOrgParam(clientId, grantType, params);
    if (orgParamError) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: orgParamError };
      this.countStatus(400);
      return;
    }

    switch (fault?.kind) {
      case 'status':
        ctx.status = fault.status;
        for (const [k, v] of Object.entries(fault.headers ?? {})) ctx.set(k, v);
        ctx.type = fault.contentType ?? 'application/json';
        ctx.body = fault.body ?? JSON.stringify({ error: 'server_error' });
        this.countStatus(fault.status);
        return;
      case 'hang-before':
        await this.hang(ctx.req);
        return;
      case 'reset-before':
        ctx.req.socket.destroy();
        return;
      case 'delay':
        await sleep(fault.ms);
        break;
    }

    const previousAccessToken = await this.currentAccessTokenFor(clientId, grantType, params);
    await next();
    this.countStatus(ctx.status);
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status === 200 && body && typeof body === 'object') {
      this.stats.successes++;
      for (const key of ['access_token', 'refresh_token'] as const) {
        if (typeof body[key] === 'string') this.issuedTokens.add(body[key] as string);
      }
      if (clientId && this.clients.get(clientId)?.strictRotation && previousAccessToken) {
        await this.provider.AccessToken.find(previousAccessToken).then((t) => t?.destroy());
      }
      if (typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
        this.lastAccessTokenByRefresh.set(body.refresh_token, body.access_token);
      }
      if (typeof body.refresh_token === 'string') {
        const reports = this.options.reportRefreshTokenExpiresIn || this.reportingAccounts.size > 0;
        const issued = reports ? await this.provider.RefreshToken.find(body.refresh_token) : undefined;
        if (
          issued &&
          (this.options.reportRefreshTokenExpiresIn || this.reportingAccounts.has(String(issued.accountId)))
        ) {
          body.refresh_token_expires_in = issued.remainingTTL;
        }
      }
    }

    switch (fault?.kind) {
      case 'status-after':
        ctx.status = fault.status;
        ctx.type = fault.contentType ?? 'text/html';
        ctx.body = fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`;
        this.countStatus(fault.status);
        return;
      case 'hang-after':
        await this.hang(ctx.req);
        return;
      case 'reset-after':
        ctx.req.socket.destroy();
        return;
      case 'truncate': {
        const text = JSON.stringify(ctx.body);
        ctx.type = 'application/json';
        ctx.body = text.slice(0, Math.floor(text.length / 2));
        return;
      }
      case 'mutate':
        if (body && typeof body === 'object') ctx.body = fault.mutate({ ...body });
        return;
    }
  }

  /** Clients whose secret was rotated (rotateClientSecret): client id → the one secret accepted now. */
  private readonly rotatedSecrets = new Map<string, string>();

  /**
   * The provider's side of rotating a client secret: from now on only `secret` authenticates the client, the old one
   * is refused with invalid_client at once (as regenerating a secret in an admin console does). oidc-provider's
   * clients are fixed at start, so the request is checked here and handed on with the secret it knows.
   */
  rotateClientSecret(clientId: string, secret: string): void {
    if (!this.clients.has(clientId)) throw new Error(`unknown client ${clientId}`);
    this.rotatedSecrets.set(clientId, secret);
  }

  private acceptRotatedSecret(
    ctx: { req: http.IncomingMessage & { body?: string }; get(name: string): string },
    clientId: string,
    params: URLSearchParams,
  ): boolean {
    const spec = this.clients.get(clientId) as OAuthClientSpec;
    const basic = /^Basic (.+)$/i.exec(ctx.get('authorization') ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const presented = decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1).replace(/\+/g, ' '));
      if (presented !== this.rotatedSecrets.get(clientId)) return false;
      const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(spec.clientSecret)}`;
      ctx.req.headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      return true;
    }
    if (params.get('client_secret') !== this.rotatedSecrets.get(clientId)) return false;
    params.set('client_secret', spec.clientSecret);
    ctx.req.body = params.toString();
    return true;
  }

  /** Which access token a refresh token last came with: strict rotation kills it when the refresh succeeds. */
  private readonly lastAccessTokenByRefresh = new Map<string, string>();

  private async currentAccessTokenFor(
    clientId: string | undefined,
    grantType: string | undefined,
    params: URLSearchParams,
  ) {
    if (!clientId || !this.clients.get(clientId)?.strictRotation || grantType !== 'refresh_token') return undefined;
    return this.lastAccessTokenByRefresh.get(params.get('refresh_token') ?? '');
  }

  private async checkOrgParam(clientId: string | undefined, grantType: string | undefined, params: URLSearchParams) {
    const name = clientId ? this.clients.get(clientId)?.requireOrgParam : undefined;
    if (!name) return undefined;
    const value = params.get(name);
    if (!value) return `${name} is required by this server`;
    if (grantType === 'refresh_token') {
      const token = await this.provider.RefreshToken.find(params.get('refresh_token') ?? '');
      if (token && token.accountId !== value) return `${name} does not match the grant's organisation`;
    }
    return undefined;
  }

  /** RFC 7009, served by oidc-provider: recorded, and answered with an injected status when the hook says so. */
  private async revocation(
    ctx: {
      path: string;
      method: string;
      req: http.IncomingMessage & { body?: string };
      status: number;
      body: unknown;
      type: string;
      get(name: string): string;
    },
    next: () => Promise<void>,
  ): Promise<void> {
    const raw = await readAll(ctx.req);
    ctx.req.body = raw;
    const params = new URLSearchParams(raw);
    const info: RevocationRequestInfo = {
      path: ctx.path,
      method: ctx.method,
      token: params.get('token') ?? undefined,
      tokenTypeHint: params.get('token_type_hint') ?? undefined,
      clientId: clientIdOf(ctx.get('authorization'), params),
      at: Date.now(),
    };
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (this.injectedRevocationFault(ctx, info)) return;
    await next();
  }

  /** The providers' own revocation: DELETE with the access token as the bearer, which revokes that access token. */
  private async deleteCurrentToken(ctx: {
    path: string;
    method: string;
    status: number;
    body: unknown;
    type: string;
    get(name: string): string;
  }): Promise<void> {
    const token = /^Bearer (.+)$/i.exec(ctx.get('authorization') ?? '')?.[1];
    const info: RevocationRequestInfo = {
      path: ctx.path,
      method: ctx.method,
      token,
      tokenTypeHint: undefined,
      clientId: undefined,
      at: Date.now(),
    };
    if (this.injectedRevocationFault(ctx, info)) return;
    const found = token ? await this.provider.AccessToken.find(token) : undefined;
    const cc = token && !found ? await this.provider.ClientCredentials.find(token) : undefined;
    const live = found ?? cc;
    if (!live || live.isExpired) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_token' };
      return;
    }
    await live.destroy();
    ctx.status = 204;
    ctx.body = null;
  }

  /** Counts a revocation request and answers it with the hook's fault, if any. True when answered here. */
  private injectedRevocationFault(ctx: { status: number; body: unknown; type: string }, info: RevocationRequestInfo) {
    this.stats.revocationRequests++;
    this.revocations.push(info);
    const fault = this.revocationHook?.(info);
    if (fault?.kind !== 'status') return false;
    this.stats.faultsInjected++;
    ctx.status = fault.status;
    ctx.type = fault.contentType ?? 'application/json';
    ctx.body = fault.body ?? JSON.stringify({ error: 'server_error' });
    return true;
  }

  private async whoami(ctx: { status: number; body: unknown; get(name: string): string }): Promise<void> {
    const token = /^Bearer (.+)$/i.exec(ctx.get('authorization') ?? '')?.[1];
    if (!token || !(await this.accessTokenValid(token))) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_token' };
      return;
    }
    ctx.status = 200;
    ctx.body = { ok: true };
  }

  private async hang(req: http.IncomingMessage): Promise<void> {
    // Hold the request until the client gives up; a closed socket ends the wait.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 120_000);
      req.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private countStatus(status: number) {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }

  /** Issues an org's initial grant server-side, as an authorization-code flow with offline_access would. */
  async mintRefreshToken(clientId: string, accountId: string): Promise<string> {
    const { Grant, RefreshToken, Client } = this.provider;
    const client = await Client.find(clientId);
    if (!client) throw new Error(`unknown client ${clientId}`);
    const grant = new Grant({ accountId, clientId });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const token = new RefreshToken({
      accountId,
      client,
      grantId,
      scope: 'openid offline_access',
      gty: 'authorization_code',
      iiat: Math.floor(Date.now() / 1000),
    });
    const value = await token.save();
    this.issuedTokens.add(value);
    return value;
  }

  /** Revokes the grant behind a refresh token (the customer disconnected the app): the next refresh gets invalid_grant. */
  async revokeGrant(refreshToken: string): Promise<void> {
    const token = await this.provider.RefreshToken.find(refreshToken);
    if (!token?.grantId) throw new Error('unknown refresh token');
    const grant = await this.provider.Grant.find(token.grantId);
    await grant?.destroy();
    await token.destroy();
  }

  /** Accounts whose answers carry `refresh_token_expires_in` (endGrantAt), besides reportRefreshTokenExpiresIn. */
  private readonly reportingAccounts = new Set<string>();

  /**
   * The provider ends the grant behind this refresh token at `at` (epoch ms), whatever the refresher does: an
   * absolute refresh-token lifetime counted from the customer's consent long ago, as an IdP tenant can impose it.
   * Every refresh token rotated in that grant from now on expires then (so refreshing cannot extend it), and from
   * now on every answer for its account says when its refresh token expires (`refresh_token_expires_in`). A new
   * consent (`mintRefreshToken`: a new grant) is not ended: its refresh tokens get the ordinary lifetime.
   */
  async endGrantAt(refreshToken: string, at: number): Promise<void> {
    const token = await this.provider.RefreshToken.find(refreshToken);
    if (!token?.grantId) throw new Error('unknown refresh token');
    this.grantEnds.set(token.grantId, at);
    this.reportingAccounts.add(String(token.accountId));
  }

  /** True when the server would accept this refresh token right now (not consumed, not revoked, not expired). */
  async refreshTokenUsable(refreshToken: string): Promise<boolean> {
    const token = await this.provider.RefreshToken.find(refreshToken);
    if (!token || token.isExpired || token.consumed) return false;
    return (await this.provider.Grant.find(token.grantId as string)) !== undefined;
  }

  /**
   * Tokens this server issued that would still work right now (usable refresh tokens, unexpired access tokens), by
   * account (an org). An org absent after its offboarding has nothing left usable at the provider.
   */
  async liveTokensByAccount(): Promise<Map<string, number>> {
    const live = new Map<string, number>();
    const count = (accountId: unknown) => live.set(String(accountId), (live.get(String(accountId)) ?? 0) + 1);
    for (const token of this.issuedTokens) {
      const refresh = await this.provider.RefreshToken.find(token);
      if (refresh) {
        if (await this.refreshTokenUsable(token)) count(refresh.accountId);
        continue;
      }
      const access = await this.provider.AccessToken.find(token);
      if (access && !access.isExpired) count(access.accountId);
    }
    return live;
  }

  /** liveTokensByAccount for one account. */
  async liveTokensOf(accountId: string): Promise<number> {
    return (await this.liveTokensByAccount()).get(accountId) ?? 0;
  }

  async accessTokenValid(accessToken: string): Promise<boolean> {
    const found = await this.provider.AccessToken.find(accessToken);
    if (found && !found.isExpired) return true;
    const cc = await this.provider.ClientCredentials.find(accessToken);
    return Boolean(cc && !cc.isExpired);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The providers' own access-token revocations (Genesys, Zendesk), served here as DELETEs. */
const OWN_REVOCATION_PATHS = new Set(['/api/v2/tokens/me', '/api/v2/oauth/tokens/current.json']);

let quieted = false;
/** oidc-provider prints notices about dev key material and our body hand-over; they are noise on loopback. */
function quietOidcProviderNotices(): void {
  if (quieted) return;
  quieted = true;
  for (const method of ['warn', 'info'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return;
      original(...args);
    };
  }
}

function clientIdOf(authorization: string | undefined, params: URLSearchParams): string | undefined {
  const basic = /^Basic (.+)$/i.exec(authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    return decodeURIComponent(decoded.slice(0, decoded.indexOf(':')).replace(/\+/g, ' '));
  }
  return params.get('client_id') ?? undefined;
}

async function readAll(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
