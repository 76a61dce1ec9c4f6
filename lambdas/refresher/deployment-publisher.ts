// The planner publishes what this deployment is (core/deployment-descriptor.ts) so the operator CLI acts with the
// deployment's settings, not the laptop's. It runs every tick in every deployment, so it must cost nothing in
// steady state: a warm planner that confirmed the stored content skips the table altogether until RECHECK_MS has
// passed (then one eventually consistent read); a write happens only when the content changed (a deploy), and it is
// conditional, so two planners of one deployment write it once.
import type { RefresherConfig } from '../config.js';
import {
  contentHash,
  DEPLOYMENT_DESCRIPTOR_VERSION,
  type DeploymentRegistry,
  type DeploymentSettings,
  normaliseHosts,
} from '../core/deployment-descriptor.js';
import type { HostedApp } from '../core/hosted-apps.js';
import type { Clock, Log } from '../core/ports.js';
import { METRIC_NAMESPACE } from '../metrics.js';

/** How long a warm planner trusts the content it confirmed: a deleted or damaged item is re-published within this. */
export const DESCRIPTOR_RECHECK_MS = 15 * 60_000;

/** What this tick did about the descriptor (in the plan summary and its log line). */
export type PublishOutcome = 'cached' | 'unchanged' | 'written' | 'failed';

/** The descriptor's content, from the configuration the planner and its workers share. */
export function deploymentSettingsOf(
  config: Pick<RefresherConfig, 'shardCount' | 'allowedTokenHosts' | 'allowLoopbackHttp' | 'eventBusName'>,
  deployment: { refresherFunctionName: string; serviceName: string; apps?: readonly HostedApp[] },
): DeploymentSettings {
  return {
    schemaVersion: DEPLOYMENT_DESCRIPTOR_VERSION,
    shardCount: config.shardCount,
    allowedTokenHosts: normaliseHosts(config.allowedTokenHosts),
    allowLoopbackHttp: config.allowLoopbackHttp,
    eventBusName: config.eventBusName ?? null,
    refresherFunctionName: deployment.refresherFunctionName,
    metricNamespace: METRIC_NAMESPACE,
    serviceName: deployment.serviceName,
    // Only when declared, so a deployment without apps keeps the descriptor (and its hash) it had.
    ...(deployment.apps && deployment.apps.length > 0 ? { apps: [...deployment.apps] } : {}),
  };
}

export interface DeploymentPublisherDeps {
  registry: DeploymentRegistry;
  settings: DeploymentSettings;
  clock: Clock;
  log: Log;
  recheckMs?: number;
}

export class DeploymentPublisher {
  #hash: Promise<string> | undefined;
  #confirmed: { hash: string; at: number } | undefined;

  constructor(private readonly deps: DeploymentPublisherDeps) {}

  /** Never throws: a descriptor is not worth failing the tick for (the CLI refuses to write without one). */
  async ensurePublished(): Promise<PublishOutcome> {
    const { registry, settings, clock, log } = this.deps;
    try {
      this.#hash ??= contentHash(settings);
      const hash = await this.#hash;
      const now = clock.now();
      const recheckMs = this.deps.recheckMs ?? DESCRIPTOR_RECHECK_MS;
      if (this.#confirmed?.hash === hash && now - this.#confirmed.at < recheckMs) return 'cached';
      const stored = await registry.read({ consistent: false });
      let outcome: PublishOutcome = 'unchanged';
      if (stored.state !== 'found' || stored.descriptor.contentHash !== hash) {
        outcome = await registry.publish({ ...settings, contentHash: hash, publishedAt: now });
        log.info('deployment descriptor published', { outcome, contentHash: hash, shardCount: settings.shardCount });
      }
      this.#confirmed = { hash, at: now };
      return outcome;
    } catch (err) {
      log.warn('could not publish the deployment descriptor', { error: (err as Error)?.name ?? String(err) });
      return 'failed';
    }
  }
}
