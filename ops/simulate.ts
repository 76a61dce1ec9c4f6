// `npm run ops:simulate [-- --quick] [-- --only id,id]`: the on-call alarm simulation (docs/alarm-simulation.md).
// The simulated clock replaces Date before anything else is loaded, so every module reads simulated time.
import { installVirtualTime } from './virtual-time.js';

/** Monday 2026-01-05 00:00 UTC: whole hours and days line up with CloudWatch's periods. */
installVirtualTime(Date.UTC(2026, 0, 5, 0, 0, 0));
const { main } = await import('./run-simulation.js');
const code = await main(process.argv.slice(2));
// Exit now: execution environments the simulation killed (crashed or timed out) still hold middy's own timeout
// timer, which Lambda would have discarded with the sandbox; waiting for it would add minutes and nothing else.
process.exit(code);
