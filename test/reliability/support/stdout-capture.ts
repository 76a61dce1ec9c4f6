// Captures what Powertools writes while a real handler runs — its logger (INFO and DEBUG on stdout, WARN and ERROR
// on stderr) and the EMF metrics (stdout) — so the leak scan sees exactly what CloudWatch would.
import { vi } from 'vitest';

export async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await work();
    return {
      result,
      lines: chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0),
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
