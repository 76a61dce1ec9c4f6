// A deployment the stack refuses to synthesize, with every problem listed; `cdk/app.ts` prints it without a stack
// trace, since the fix is a setting, not the code.
export class InvalidDeploymentError extends Error {
  override readonly name: string = 'InvalidDeploymentError';
  constructor(
    heading: string,
    readonly problems: string[],
  ) {
    super(`${heading}:\n  - ${problems.join('\n  - ')}`);
  }
}
