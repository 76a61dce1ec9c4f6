// The on-demand refresh as hosted apps reach it off AWS: the REAL on-demand handler (lambdas/on-demand/handler.ts,
// built from the refresher's environment like the deployed function) behind the loopback Lambda Invoke stand-in. The
// tests (TypeScript and Python readers), the bench and the alarm simulation invoke it through the SDKs.
import type { OnDemandOverrides } from '../lambdas/on-demand/handler.js';
import { LambdaInvokeStandIn } from './lambda-invoke-stand-in.js';

export const LOCAL_ON_DEMAND_FUNCTION = 'tenant-token-on-demand-local';

export async function startOnDemandStandIn(
  env: Record<string, string>,
  overrides: OnDemandOverrides = {},
  functionName = LOCAL_ON_DEMAND_FUNCTION,
): Promise<LambdaInvokeStandIn> {
  // Imported only now: the module builds its default handler from process.env when it loads (Lambda's cold start).
  const { buildOnDemandHandler, createOnDemandParts } = await import('../lambdas/on-demand/handler.js');
  const handler = buildOnDemandHandler(createOnDemandParts(env, overrides));
  return LambdaInvokeStandIn.start({
    functions: { [functionName]: { handler, timeoutMs: Number(env.LAMBDA_TIMEOUT_SECONDS) * 1000 } },
  });
}
