#!/usr/bin/env node
// Tests, scripts and synth must run on the Lambda's Node.js major (24), which the `node` devDependency puts first on
// PATH inside `npm run`/`npx`. Running on the machine's older Node would test a different runtime than the one we ship.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  console.error(
    `error: this project runs on Node.js ${REQUIRED_MAJOR} (the Lambda runtime), but this is Node.js ${process.versions.node}.\n` +
      '  Run it through npm (npm test, npm start, npx ...), which puts node_modules/.bin/node first on PATH.\n' +
      '  If node_modules/.bin/node is missing, the install skipped scripts: run `npm ci` (without --ignore-scripts).',
  );
  process.exit(1);
}
