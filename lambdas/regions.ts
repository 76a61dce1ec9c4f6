// Which Regions run the refresher on the same global table, and which one this function runs in (docs/regions.md).
// REGIONS is set by the multi-Region stacks only; like WORKER_FUNCTION_NAME it sits beside the config schema, so a
// one-Region deployment's environment is exactly what it was. AWS_REGION is Lambda's own.
import { ConfigError } from './config.js';

export interface RegionSettings {
  /** Every Region running the refresher (REGIONS), in the deployment's order; empty for one Region. */
  regions: string[];
  /** The Region this function runs in (AWS_REGION), when REGIONS is set. */
  self: string | undefined;
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Reads REGIONS and AWS_REGION; a malformed list, or a Region not in it, fails the cold start like any variable. */
export function regionsOf(env: Record<string, string | undefined>): RegionSettings {
  const raw = env.REGIONS ?? '';
  const regions = raw
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  if (regions.length === 0) return { regions: [], self: undefined };
  const problems: string[] = [];
  const bad = regions.filter((r) => !REGION_NAME.test(r));
  if (bad.length > 0) problems.push(`REGIONS must be AWS Region names like us-east-1 (not ${bad.join(', ')})`);
  if (new Set(regions).size !== regions.length) problems.push('REGIONS names a Region twice');
  const self = env.AWS_REGION;
  if (self === undefined || !regions.includes(self)) {
    problems.push(`AWS_REGION (${self ?? 'unset'}) is not one of REGIONS (${regions.join(', ')})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { regions, self };
}

/**
 * Whether this Region's planner publishes the deployment descriptor (`#deployment`, core/deployment-descriptor.ts):
 * always in one Region; with several, the first of REGIONS only (the table's home Region). The descriptor is one item
 * for the whole deployment and names one refresher function; if every Region published its own, two Regions would
 * take turns rewriting it (each content-hash condition sees the other's content), a write per tick per Region.
 */
export function publishesDeployment(settings: RegionSettings): boolean {
  return settings.regions.length === 0 || settings.self === settings.regions[0];
}
