// Powertools' Logger as the core's Log port, shared by the Lambda entry points (refresher, grant intake): structured
// fields as one extra object, and field names Powertools reserves renamed so no field is silently dropped.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Log } from './core/ports.js';

/** Keys Powertools owns in every log line: a field with one of these names would be dropped (with a warning). */
const POWERTOOLS_RESERVED_KEYS = new Set(['level', 'message', 'sampling_rate', 'service', 'timestamp']);

/** Renames reserved field names (`message` → `errorMessage`, others get a `field_` prefix) so no field is lost. */
export function safeLogFields(fields: Record<string, unknown>): LogAttributes {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!POWERTOOLS_RESERVED_KEYS.has(key)) out[key] = value;
    else out[key === 'message' ? 'errorMessage' : `field_${key}`] = value;
  }
  return out as LogAttributes;
}

/** Adapts Powertools' Logger to the core's Log port (structured fields as one extra object). */
export function powertoolsLog(logger: Logger): Log {
  const level = (method: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    fields ? logger[method](message, safeLogFields(fields)) : logger[method](message);
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
}
