// The refresher bundle's esbuild settings, defined once: the CDK construct (NodejsFunction) and the bench's bundle-size
// and cold-start figures both derive from this, so the bench measures what the stack deploys.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REFRESHER_ENTRY = path.join(PROJECT_ROOT, 'lambdas/refresher/handler.ts');
/** The grant intake's entry point: bundled with the same settings (REFRESHER_BUNDLING). */
export const INTAKE_ENTRY = path.join(PROJECT_ROOT, 'lambdas/intake/handler.ts');
/** The on-demand refresh's entry point: bundled with the same settings (REFRESHER_BUNDLING). */
export const ON_DEMAND_ENTRY = path.join(PROJECT_ROOT, 'lambdas/on-demand/handler.ts');

/** ESM output needs `require` for the few CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

export const REFRESHER_BUNDLING = {
  target: 'node24',
  format: 'esm',
  minify: true,
  sourceMap: true,
  /**
   * Mappings only, no copies of the sources: stack traces still point at file:line, and the map Node parses at cold
   * start (NODE_OPTIONS=--enable-source-maps) shrinks from ~1 MB to ~0.3 MB (~7 ms less init, docs/performance.md).
   */
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  /**
   * The Node.js 24 Lambda runtime ships AWS SDK v3; bundling it would triple the bundle and its parse time.
   * Powertools and middy are bundled (they are not in the runtime).
   */
  externalModules: ['@aws-sdk/*'],
} as const;

/** The same settings in esbuild's own vocabulary (bench, tests). */
export function esbuildOptions(outfile: string) {
  return {
    entryPoints: [REFRESHER_ENTRY],
    outfile,
    bundle: true,
    platform: 'node' as const,
    target: REFRESHER_BUNDLING.target,
    format: REFRESHER_BUNDLING.format,
    minify: REFRESHER_BUNDLING.minify,
    sourcemap: REFRESHER_BUNDLING.sourceMap,
    sourcesContent: REFRESHER_BUNDLING.sourcesContent,
    mainFields: [...REFRESHER_BUNDLING.mainFields],
    banner: { js: REFRESHER_BUNDLING.banner },
    external: [...REFRESHER_BUNDLING.externalModules],
  };
}
