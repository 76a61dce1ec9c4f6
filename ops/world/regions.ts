// A multi-Region world (docs/regions.md, docs/alarm-simulation.md#regions): one World per Region, each the deployed
// refresher of that Region's synthesized stack — its planner, its sweep workers, its own metric store, alarms, log
// groups and failure queue — all on one DynamoDB Local table behind the MRSC stand-in (ops/world/mrsc.ts), with one
// OAuth server, one fleet and one ground truth. Every tick each Region's schedule fires, their planners run at the
// same time, then their workers do: the Regions race for the sweep leases and the orgs as they would in AWS.

import { seededRandom } from '../../local/seeded-random.js';
import type { AlarmTimeline } from '../cloudwatch/alarm-evaluator.js';
import type { RefresherDeployment } from '../deployment.js';
import { simNow } from '../virtual-time.js';
import type { FleetOrg } from './fleet.js';
import { type MrscOptions, MrscStandIn } from './mrsc.js';
import { type HandlerModule, type Mark, World } from './world.js';

export interface RegionalWorldOptions {
  /** Each Region's deployment, in REGIONS order. */
  deployments: ReadonlyMap<string, RefresherDeployment>;
  dynamoDbEndpoint: string;
  handlerModule: HandlerModule;
  name: string;
  seed: number;
  mrsc: MrscOptions;
}

/** An alarm of one Region, as the multi-Region scenarios name it. */
export const regionalAlarm = (region: string, alarmId: string) => `${region}/${alarmId}`;

export class RegionalWorld {
  readonly mrsc: MrscStandIn;
  /** Each Region's world; the first also probes the ground truth and owns the table. */
  readonly worlds: ReadonlyMap<string, World>;
  /** When a Region was lost: its CloudWatch went with it, so its alarms are judged up to then only. */
  readonly lostAt = new Map<string, number>();

  /** Which Region's schedule fires first each tick (EventBridge fires each Region's at its own second). */
  readonly #order: () => number;

  private constructor(worlds: Map<string, World>, mrsc: MrscStandIn, seed: number) {
    this.worlds = worlds;
    this.mrsc = mrsc;
    this.#order = seededRandom(seed * 31 + 7);
  }

  static async create(options: RegionalWorldOptions): Promise<RegionalWorld> {
    const mrsc = new MrscStandIn(options.mrsc);
    const worlds = new Map<string, World>();
    let primary: World | undefined;
    for (const [region, deployment] of options.deployments) {
      const world: World = await World.create({
        deployment,
        dynamoDbEndpoint: options.dynamoDbEndpoint,
        handlerModule: options.handlerModule,
        name: options.name,
        seed: options.seed + worlds.size,
        region: { name: region, mrsc },
        ...(primary ? { shared: primary } : {}),
      });
      primary ??= world;
      worlds.set(region, world);
    }
    return new RegionalWorld(worlds, mrsc, options.seed);
  }

  get regions(): string[] {
    return [...this.worlds.keys()];
  }

  /** The world that owns the table and probes the ground truth (the first Region's). */
  get primary(): World {
    return this.worlds.values().next().value as World;
  }

  world(region: string): World {
    const w = this.worlds.get(region);
    if (!w) throw new Error(`no Region ${region}`);
    return w;
  }

  now(): number {
    return simNow();
  }

  mark(kind: Mark['kind'], text: string): number {
    return this.primary.mark(kind, text);
  }

  async onboard(org: FleetOrg): Promise<void> {
    await this.primary.onboard(org);
  }

  /** One schedule period in every Region: their planners at the same time, then their workers. */
  async tick(): Promise<void> {
    const worlds = [...this.worlds.values()];
    // The Regions start in a different order each tick: whichever reaches the table first takes the free shards.
    const live = worlds
      .filter((_, i) => !this.mrsc.lost.has(this.regions[i] as string))
      .map((w) => ({ w, key: this.#order() }))
      .sort((a, b) => a.key - b.key)
      .map(({ w }) => w);
    await this.primary.startTick(true);
    for (const w of worlds) if (w !== this.primary) await w.startTick(false);
    await Promise.all(live.map((w) => w.planner?.drain()));
    await Promise.all(live.map((w) => w.lambda.drain()));
    for (const w of live) w.endTick();
  }

  async runFor(ms: number): Promise<void> {
    const until = simNow() + ms;
    while (this.primary.nextTickAt < until) await this.tick();
  }

  async runUntil(done: () => boolean | Promise<boolean>, maxMs: number, everyMs = 60_000): Promise<boolean> {
    const until = simNow() + maxMs;
    while (simNow() < until) {
      await this.runFor(everyMs);
      if (await done()) return true;
    }
    return false;
  }

  /** The Region is lost now, with everything in it. */
  lose(region: string): void {
    this.mrsc.lost.add(region);
    this.lostAt.set(region, simNow());
    this.world(region).loseEverything(`Region ${region} lost`);
  }

  /** The lost Region is back: its schedule fires again. Its alarms stay unjudged (its CloudWatch history is gone). */
  restore(region: string): void {
    this.mrsc.lost.delete(region);
    this.world(region).scheduleEnabled = true;
  }

  /**
   * Every Region's alarms that page, as `<region>/<alarm>`; a lost Region's only up to its loss (a Region that is
   * lost cannot page, and what its CloudWatch would show after it returns is not modelled).
   */
  timelines(to = simNow()): AlarmTimeline[] {
    return this.regions.flatMap((region) => {
      const lost = this.lostAt.get(region);
      return this.world(region)
        .timelines(lost === undefined ? to : Math.min(to, lost))
        .map((t) => ({ ...t, alarmId: `${region}/${t.alarmId}` }));
    });
  }

  firing(): string[] {
    return this.timelines()
      .filter((t) => t.evaluations.at(-1)?.state === 'ALARM')
      .map((t) => t.alarmId);
  }

  async stop(): Promise<void> {
    const worlds = [...this.worlds.values()];
    for (const w of worlds.slice(1)) await w.stop();
    await this.primary.stop();
  }
}
