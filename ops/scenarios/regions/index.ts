// The multi-Region scenarios (docs/alarm-simulation.md#regions), run after the one-Region ones; their ids contain
// `region`, so they sit beside the others in ops/results/latest.json.
import type { RegionScenario } from '../../region-scenario.js';
import { regionCutOff } from './region-cut-off.js';
import { regionHealthyDay } from './region-healthy-day.js';
import { regionLost } from './region-lost.js';

export const REGION_SCENARIOS: readonly RegionScenario[] = [regionHealthyDay, regionLost, regionCutOff];
