// Records bricked by a commit before issue 16: it wrote the provider's granted scope into `scope`, the operator's
// setting of what to request. A provider's scope longer than the setting allows (1 024 characters) or with a
// non-ASCII character made the record fail its own schema at every claim after: RECORD_INVALID and MISCONFIGURED on
// every attempt, forever, and no CLI command could repair it. Such a `scope` fails the setting's own rule, so no
// operator can have written it (every way in validates it): it is a granted scope in the wrong attribute. The claim
// moves it where it belongs and requests no scope, which for a refresh asks for the scope originally granted
// (RFC 6749 §6); the commit then removes it for good. Pure: the claim performs what this decides.
import { GRANTED_SCOPE_MAX_LENGTH, orgSettingsShape } from './record.js';

export type LegacyScopeRepair =
  | { decision: 'repair'; record: Record<string, unknown>; reason: 'SCOPE_WRITTEN_BY_A_COMMIT' }
  | { decision: 'none'; reason: 'NO_SCOPE' | 'VALID_SETTING' };

export function repairLegacyScope(raw: Record<string, unknown>): LegacyScopeRepair {
  const { scope, ...rest } = raw;
  if (scope === undefined) return { decision: 'none', reason: 'NO_SCOPE' };
  // A scope the setting accepts may be an operator's: never touched, even if a commit wrote it (it cannot be told).
  if (orgSettingsShape.scope.safeParse(scope).success) return { decision: 'none', reason: 'VALID_SETTING' };
  const keepAsGranted =
    rest.grantedScope === undefined && typeof scope === 'string' && scope.length <= GRANTED_SCOPE_MAX_LENGTH;
  return {
    decision: 'repair',
    record: keepAsGranted ? { ...rest, grantedScope: scope } : rest,
    reason: 'SCOPE_WRITTEN_BY_A_COMMIT',
  };
}
