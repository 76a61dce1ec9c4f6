// Local mode's hosted app re-authorising the revoked demo org, as a real app would: it reads the org's status with the
// reader library (REAUTH_REQUIRED since …), its customer authorises again (the loopback OAuth server mints a fresh
// grant), and it hands the grant over with the grant intake client — the AWS SDK's InvokeCommand, through
// AWS_ENDPOINT_URL_LAMBDA to the Lambda stand-in running the real intake handler. The status table then shows the org
// ACTIVE again.

import { formatDuration } from '../cli/format.js';
import type { GrantIntakeClient, TokenReader } from '../reader/index.js';
import { GrantIntakeError } from '../reader/index.js';
import { captureOutput } from './handler-output.js';

export const DEMO_REAUTH_ORG = 'umbrella-revoked';
/** "After a few ticks": long enough to see the org sit in REAUTH_REQUIRED first. */
export const DEMO_REAUTH_AFTER_TICKS = 3;

export interface DemoReauthDeps {
  reader: TokenReader;
  intake: GrantIntakeClient;
  /** The customer authorising again: a fresh refresh token from the OAuth server. */
  authorise: () => Promise<string>;
}

export interface DemoReauthResult {
  /** Every line the intake handler printed (log lines and EMF), for the metrics, the log file and the leak check. */
  lines: string[];
}

export class DemoReauthorisation {
  calls = 0;
  ok = 0;
  readonly errors: Record<string, number> = {};
  #tick: number | undefined;
  #needed: { forMs: number | undefined; reason: string | undefined } | undefined;
  #answer: string | undefined;

  constructor(private readonly deps: DemoReauthDeps) {}

  /** Runs once, at the first tick from DEMO_REAUTH_AFTER_TICKS on where the org needs re-authorisation. */
  async maybeRun(tick: number): Promise<DemoReauthResult | undefined> {
    if (this.#tick !== undefined || tick < DEMO_REAUTH_AFTER_TICKS) return undefined;
    const status = await this.deps.reader.getStatus(DEMO_REAUTH_ORG);
    if (!status.needsReauthorisation) return undefined;
    this.#tick = tick;
    this.#needed = { forMs: status.since === undefined ? undefined : Date.now() - status.since, reason: status.reason };
    const refreshToken = await this.deps.authorise();
    // When the app received the grant: recorded with it, and the same on every hand-over of it.
    const issuedAt = Date.now();
    this.calls++;
    const { result, lines } = await captureOutput(async () => {
      try {
        const answer = await this.deps.intake.reauthorise(DEMO_REAUTH_ORG, { refreshToken, issuedAt });
        this.ok++;
        return `${answer.status} (token for ${formatDuration(answer.expiresAt.getTime() - Date.now())})`;
      } catch (err) {
        const code = err instanceof GrantIntakeError ? err.code : ((err as Error)?.name ?? 'Error');
        this.errors[code] = (this.errors[code] ?? 0) + 1;
        return `refused: ${code}`;
      }
    });
    this.#answer = result;
    return { lines };
  }

  /** The status screen's line. */
  line(): string {
    const intro = 'grant intake (hosted app: TS client → Lambda stand-in → real intake handler): ';
    if (this.#tick === undefined)
      return `${intro}re-authorises ${DEMO_REAUTH_ORG} from tick ${DEMO_REAUTH_AFTER_TICKS}`;
    const forMs = this.#needed?.forMs;
    return (
      `${intro}${DEMO_REAUTH_ORG} REAUTH_REQUIRED (${this.#needed?.reason ?? '?'}) for ` +
      `${forMs === undefined ? 'a while' : formatDuration(forMs)}, new grant at tick ${this.#tick} → ${this.#answer}`
    );
  }
}
