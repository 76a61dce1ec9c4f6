// CloudFormation values as the simulation sees them. A synthesized template names deployed resources through
// intrinsics (`{"Ref": "RefresherFunction4AAAAD8B"}`); the simulation has no account to resolve them in, so each one
// becomes a stable token (`ref:RefresherFunction4AAAAD8B`). The metrics the simulation publishes for a resource carry
// the same token, so an alarm watching the wrong function or queue is blind here exactly as it would be in AWS.

// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type; every use is checked where it is read
export type Cfn = any;

export const refToken = (logicalId: string) => `ref:${logicalId}`;
export const getAttToken = (logicalId: string, attribute: string) => `getatt:${logicalId}.${attribute}`;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** A template value with its intrinsics replaced by tokens; Fn::Join joins the resolved parts. */
export function resolveValue(value: Cfn): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string') return refToken(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.length === 2) return getAttToken(String(getAtt[0]), String(getAtt[1]));
    const join = value['Fn::Join'];
    if (Array.isArray(join) && join.length === 2 && Array.isArray(join[1])) {
      return join[1].map((part: Cfn) => resolveValue(part)).join(String(join[0]));
    }
  }
  throw new TemplateError(`cannot resolve template value ${JSON.stringify(value).slice(0, 200)}`);
}

/** The resources of one type, by logical id. */
export function resourcesOfType(template: Cfn, type: string): [string, Cfn][] {
  return Object.entries(template?.Resources ?? {}).filter(([, r]) => (r as Cfn)?.Type === type) as [string, Cfn][];
}
