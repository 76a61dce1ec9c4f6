// Collects every secret a test issued and every text the system under test produced (log lines, EMF metrics,
// handler results, error messages on records, event details, child-process output), then looks for any secret in any
// text. The index keys secrets by their first 8 characters, so a scan costs one map lookup per text position instead
// of one substring search per secret.
import type { LocalOAuthServer } from '../../../local/oauth-server.js';

const PREFIX = 8;

export interface Leak {
  source: string;
  /** Where the secret starts in the text (the secret itself is never reported). */
  offset: number;
  secretKind: string;
}

export interface LeakScan {
  texts: number;
  bytes: number;
  secrets: number;
  leaks: Leak[];
}

/** The forms a client secret travels in: raw, and inside an HTTP Basic header (RFC 6749 §2.3.1 encoding). */
export function clientSecretForms(clientId: string, clientSecret: string): string[] {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return [clientSecret, Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')];
}

export class LeakLedger {
  readonly #byPrefix = new Map<string, Map<string, string>>();
  readonly #texts: { source: string; text: string }[] = [];
  #secretCount = 0;

  addSecret(secret: string, kind: string): void {
    if (secret.length < PREFIX) throw new Error(`a ${kind} shorter than ${PREFIX} characters cannot be scanned for`);
    const key = secret.slice(0, PREFIX);
    const bucket = this.#byPrefix.get(key) ?? new Map<string, string>();
    if (!bucket.has(secret)) this.#secretCount++;
    bucket.set(secret, kind);
    this.#byPrefix.set(key, bucket);
  }

  addSecrets(secrets: Iterable<string>, kind: string): void {
    for (const s of secrets) this.addSecret(s, kind);
  }

  /** Every access and refresh token the server issued, and the forms of each client's secret. */
  addOAuthServer(oauth: LocalOAuthServer, clients: Iterable<{ clientId: string; clientSecret: string }>): void {
    this.addSecrets(oauth.issuedTokens, 'token');
    for (const c of clients) this.addSecrets(clientSecretForms(c.clientId, c.clientSecret), 'client secret');
  }

  addText(source: string, text: unknown): void {
    this.#texts.push({ source, text: typeof text === 'string' ? text : (JSON.stringify(text) ?? String(text)) });
  }

  scan(): LeakScan {
    const leaks: Leak[] = [];
    let bytes = 0;
    for (const { source, text } of this.#texts) {
      bytes += text.length;
      for (let i = 0; i + PREFIX <= text.length; i++) {
        const bucket = this.#byPrefix.get(text.slice(i, i + PREFIX));
        if (!bucket) continue;
        for (const [secret, kind] of bucket) {
          if (text.startsWith(secret, i)) leaks.push({ source, offset: i, secretKind: kind });
        }
      }
    }
    return { texts: this.#texts.length, bytes, secrets: this.#secretCount, leaks };
  }
}
