// Scrubbing for anything that leaves the process as text (logs, lastError on the record, summaries). Two layers:
// the exact secrets this refresh handled, and patterns that catch token-shaped values from library error messages.

const MAX_MESSAGE_LENGTH = 500;
const REDACTED = '[redacted]';

const TOKEN_PATTERNS: RegExp[] = [
  // "access_token":"…", refresh_token=…, client_secret: … in JSON, form bodies and URLs
  /((?:access|refresh|id)_?token|client_?secret|password|assertion)(["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi,
  // Authorization headers
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  // JWT-shaped values
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];

/** Removes known secrets and token-shaped values, strips control characters and bounds the length. */
export function scrub(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would redact ordinary words; real tokens and client secrets are longer than this.
    if (secret && secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  out = out
    .replace(TOKEN_PATTERNS[0] as RegExp, `$1$2${REDACTED}`)
    .replace(TOKEN_PATTERNS[1] as RegExp, `$1 ${REDACTED}`)
    .replace(TOKEN_PATTERNS[2] as RegExp, REDACTED);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return out.length > MAX_MESSAGE_LENGTH ? `${out.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : out;
}

/** A short, stable, non-reversible fingerprint an operator can compare ("is this the token I stored?"). */
export async function fingerprint(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return `sha256:${Buffer.from(digest).toString('hex').slice(0, 12)}`;
}
