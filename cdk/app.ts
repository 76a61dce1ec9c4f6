// `npx cdk synth` / `npx cdk deploy` entry point (cdk.json "app"). Everything lives in build-app.ts so the tests
// synthesize exactly this app.
import { buildDeployment } from './build-app.js';
import { InvalidDeploymentError } from './invalid-deployment-error.js';

try {
  buildDeployment().app.synth();
} catch (err) {
  if (!(err instanceof InvalidDeploymentError)) throw err;
  console.error(`error: ${err.message}`);
  process.exit(1);
}
