// A small evaluator of the identity-policy statements the stack writes for hosted apps, to prove on the synthesized
// template what DynamoDB Local and the Lambda stand-in cannot: which requests an app's role is allowed. It knows the
// operators those statements use (StringEquals, StringLike, StringNotLike, with ForAllValues and IfExists) and the
// resources they name; anything else makes it throw, so a policy it cannot read never passes as "allowed".
// Semantics follow the IAM User Guide's condition-operator reference: ForAllValues is true for a key absent from the
// request; a negated operator with several values is true when the value matches none of them.
import type { Cfn } from '../cdk/synth-stack.js';

export interface IamRequest {
  action: string;
  /** The resource as the request names it, with CloudFormation references as `{ Ref }`/`Fn::GetAtt` objects. */
  resource: unknown;
  /** Condition keys of the request: each a list of values (single-valued keys as one-element lists). */
  context: Record<string, string[]>;
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** IAM's `*` and `?` wildcards, case-sensitive, as StringLike matches them. */
function like(value: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

const BASE: Record<string, (value: string, policyValues: string[]) => boolean> = {
  StringEquals: (v, ps) => ps.includes(v),
  StringLike: (v, ps) => ps.some((p) => like(v, p)),
  StringNotLike: (v, ps) => !ps.some((p) => like(v, p)),
};

function conditionHolds(operator: string, key: string, policyValues: string[], context: Record<string, string[]>) {
  const m = /^(ForAllValues:|ForAnyValue:)?([A-Za-z]+?)(IfExists)?$/.exec(operator);
  const base = m?.[2] ? BASE[m[2]] : undefined;
  if (!m || !base) throw new Error(`the evaluator does not know the operator ${operator}`);
  const values = context[key];
  if (m[1] === 'ForAllValues:') return (values ?? []).every((v) => base(v, policyValues));
  if (m[1] === 'ForAnyValue:') return (values ?? []).some((v) => base(v, policyValues));
  if (values === undefined) return m[3] === 'IfExists';
  if (values.length !== 1) throw new Error(`${key} is multivalued: use ForAllValues or ForAnyValue`);
  return base(values[0] as string, policyValues);
}

/** Whether one Allow statement allows the request (its action, its resource, every condition). */
export function statementAllows(statement: Record<string, Cfn>, request: IamRequest): boolean {
  if (statement.Effect !== 'Allow') throw new Error('the evaluator reads Allow statements only');
  if (!asList(statement.Action).includes(request.action)) return false;
  const resourceMatches = asList(statement.Resource).some(
    (r: unknown) => JSON.stringify(r) === JSON.stringify(request.resource),
  );
  if (!resourceMatches) return false;
  for (const [operator, keys] of Object.entries((statement.Condition ?? {}) as Record<string, Record<string, Cfn>>)) {
    for (const [key, values] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, asList(values).map(String), request.context)) return false;
    }
  }
  return true;
}

/** Whether any statement of these policies allows the request (no Deny statements are written for apps). */
export function policiesAllow(statements: readonly Record<string, Cfn>[], request: IamRequest): boolean {
  return statements.some((s) => statementAllows(s, request));
}
