// The grant intake as hosted apps reach it off AWS: the REAL intake handler (lambdas/intake/handler.ts, built from the
// refresher's environment like the deployed function) behind the loopback Lambda Invoke stand-in. Local mode's hosted
// app and the tests (TypeScript and Python clients) invoke it through the SDKs, via AWS_ENDPOINT_URL_LAMBDA or an
// explicit endpoint. Each concurrent execution environment is its own handler instance (its own cold start, host
// gate and caches), and the function has the aliases of the apps the environment declares (HOSTED_APPS), as deployed.
import { aliasNameOf } from '../lambdas/core/hosted-apps.js';
import { loadHostedApps } from '../lambdas/hosted-app-caller.js';
import type { RuntimeOverrides } from '../lambdas/refresher/runtime.js';
import { LambdaInvokeStandIn } from './lambda-invoke-stand-in.js';

export const LOCAL_INTAKE_FUNCTION = 'tenant-token-grant-intake-local';

export interface IntakeStandInOptions {
  functionName?: string;
  /** The function's reserved concurrency (the stack's INTAKE_CONCURRENCY): past it, invocations are throttled. */
  reservedConcurrency?: number;
}

export async function startIntakeStandIn(
  env: Record<string, string>,
  overrides: RuntimeOverrides = {},
  options: IntakeStandInOptions = {},
): Promise<LambdaInvokeStandIn> {
  // Imported only now: the module builds its default handler from process.env when it loads (Lambda's cold start).
  const { buildIntakeHandler, createIntakeParts } = await import('../lambdas/intake/handler.js');
  const aliases = loadHostedApps(env).map((app) => aliasNameOf(app.name));
  return LambdaInvokeStandIn.start({
    functions: {
      [options.functionName ?? LOCAL_INTAKE_FUNCTION]: {
        newInstance: () => buildIntakeHandler(createIntakeParts(env, overrides)),
        timeoutMs: Number(env.LAMBDA_TIMEOUT_SECONDS) * 1000,
        aliases,
        ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
      },
    },
  });
}
