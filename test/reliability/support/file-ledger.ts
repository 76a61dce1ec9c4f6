// One leak ledger per test file (vitest isolates modules per file): tests add what they capture beyond the
// harnesses (child-process output, handler stdout, event payloads); leak-setup.ts scans it when the file ends.
import { LeakLedger } from './leak-ledger.js';

export const fileLedger = new LeakLedger();
