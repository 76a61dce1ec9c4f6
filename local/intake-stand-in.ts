// The grant intake as hosted apps reach it off AWS: the REAL intake handler (lambdas/intake/handler.ts, built from the
// refresher's environment like the deployed function) behind the loopback Lambda Invoke stand-in. Local mode's hosted
// app and the tests (TypeScript and Python clients) invoke it through the SDKs, via AWS_ENDPOINT_URL_LAMBDA or an
// explicit endpoint.
import type { RuntimeOverrides } from '../lambdas/refresher/runtime.js';
import { LambdaInvokeStandIn } from './lambda-invoke-stand-in.js';

export const LOCAL_INTAKE_FUNCTION = 'tenant-token-grant-intake-local';

export async function startIntakeStandIn(
  env: Record<string, string>,
  overrides: RuntimeOverrides = {},
  functionName = LOCAL_INTAKE_FUNCTION,
): Promise<LambdaInvokeStandIn> {
  // Imported only now: the module builds its default handler from process.env when it loads (Lambda's cold start).
  const { buildIntakeHandler, createIntakeParts } = await import('../lambdas/intake/handler.js');
  const handler = buildIntakeHandler(createIntakeParts(env, overrides));
  return LambdaInvokeStandIn.start({
    functions: { [functionName]: { handler, timeoutMs: Number(env.LAMBDA_TIMEOUT_SECONDS) * 1000 } },
  });
}
