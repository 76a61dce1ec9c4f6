// Figures the reliability tests measure, appended as JSON lines to one file per run; the summary global setup reads
// them back and prints one line per figure when the run ends. Tests run in worker processes, so a file is the
// simplest channel that survives them.
import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    reliabilityFiguresFile: string;
  }
}

export interface Figure {
  /** The summary line's label, e.g. `lost tokens`. Numeric figures recorded under one name are summed. */
  name: string;
  value: number | string;
  /** Printed after the value, e.g. `%` or `(500 orgs, 180 samples)`. */
  unit?: string;
}

export function recordFigure(name: string, value: number | string, unit?: string): void {
  const figure: Figure = unit === undefined ? { name, value } : { name, value, unit };
  appendFileSync(inject('reliabilityFiguresFile'), `${JSON.stringify(figure)}\n`);
}
