// Which Regions a multi-Region deployment may use, checked at synth (docs/regions.md). The refresher's fences need a
// conditional write that sees the latest version of an org in every Region: only a global table with multi-Region
// strong consistency (MRSC) gives that. So a multi-Region deployment is an MRSC table — three replicas, or two and a
// witness, all from one of AWS's MRSC Region sets — and anything else is refused here, with the reason, before a
// table that could not keep one sender per refresh token is ever created.
import { InvalidDeploymentError } from './invalid-deployment-error.js';

/**
 * The Region sets MRSC supports, as AWS documented them on 2026-12-06 (docs/regions.md#the-table): all of a table's
 * Regions (replicas and witness) come from one set. Check the DynamoDB developer guide before relying on a new one.
 */
export const MRSC_REGION_SETS: Readonly<Record<string, readonly string[]>> = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  EU: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  AP: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
};

export type MultiRegionConsistencyMode = 'STRONG' | 'EVENTUAL';

export interface MultiRegionRequest {
  /** The Regions running the refresher, each with a replica of the table; the first holds the table's stack. */
  regions: readonly string[];
  /** A third Region that only votes (no replica, no refresher), with two replica Regions. */
  witnessRegion?: string | undefined;
  /** STRONG unless asked otherwise; EVENTUAL is refused with the reason. */
  consistency?: MultiRegionConsistencyMode | undefined;
}

export interface MultiRegionPlan {
  regions: string[];
  /** The Region whose stack holds the global table (the first listed). */
  primary: string;
  witnessRegion: string | undefined;
  /** The MRSC Region set they all belong to. */
  regionSet: string;
}

/** Why eventual consistency is refused: the message a synth that asks for it prints. */
export const EVENTUAL_CONSISTENCY_REFUSED =
  'multiRegionConsistency EVENTUAL is refused: a global table with multi-Region eventual consistency resolves ' +
  'concurrent writes last-writer-wins and records the conflict nowhere, so a lease or version check in one Region ' +
  'does not fence a writer in another: two Regions could both win one org’s lease, both send its refresh token ' +
  '(a rotated token sent twice is reuse, and providers revoke the grant), and replication could keep the spent one. ' +
  'The refresher needs multi-Region strong consistency (STRONG, the default), whose conditions see the latest ' +
  'version in every Region (docs/regions.md#why-not-eventual-consistency)';

export class MultiRegionDeploymentError extends InvalidDeploymentError {
  override readonly name = 'MultiRegionDeploymentError';
  constructor(problems: string[]) {
    super('Multi-Region deployment refused at synth (docs/regions.md)', problems);
  }
}

function setOf(region: string): string | undefined {
  return Object.entries(MRSC_REGION_SETS).find(([, regions]) => regions.includes(region))?.[0];
}

/** Every reason the request cannot be an MRSC deployment (none: it can). */
export function multiRegionProblems(request: MultiRegionRequest): string[] {
  const problems: string[] = [];
  if (request.consistency === 'EVENTUAL') problems.push(EVENTUAL_CONSISTENCY_REFUSED);
  const regions = [...request.regions];
  const witness = request.witnessRegion;
  if (new Set(regions).size !== regions.length) problems.push(`regions names a Region twice (${regions.join(', ')})`);
  if (witness !== undefined && regions.includes(witness)) {
    problems.push(`witnessRegion ${witness} is also a replica Region: a witness holds no replica`);
  }
  const shape = witness === undefined ? regions.length === 3 : regions.length === 2;
  if (!shape) {
    problems.push(
      `an MRSC global table has exactly three Regions: three replicas (regions=a,b,c), or two replicas and a ` +
        `witness (regions=a,b and witnessRegion=c); got ${regions.length} replica Region(s)` +
        (witness === undefined ? '' : ` and witness ${witness}`),
    );
  }
  const all = witness === undefined ? regions : [...regions, witness];
  const unknown = all.filter((r) => setOf(r) === undefined);
  if (unknown.length > 0) {
    problems.push(
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} in no MRSC Region set (` +
        Object.entries(MRSC_REGION_SETS)
          .map(([name, set]) => `${name}: ${set.join(', ')}`)
          .join('; ') +
        ')',
    );
  } else if (new Set(all.map(setOf)).size > 1) {
    problems.push(`all Regions of an MRSC table come from one Region set; ${all.join(', ')} span several`);
  }
  return problems;
}

/** The checked plan, or a MultiRegionDeploymentError listing every problem. */
export function multiRegionPlan(request: MultiRegionRequest): MultiRegionPlan {
  const problems = multiRegionProblems(request);
  if (problems.length > 0) throw new MultiRegionDeploymentError(problems);
  const regions = [...request.regions];
  return {
    regions,
    primary: regions[0] as string,
    witnessRegion: request.witnessRegion,
    regionSet: setOf(regions[0] as string) as string,
  };
}
