// Test support (not exported): run main() as a user would, with stdout and stderr captured.
import { vi } from 'vitest';
import { main } from './main.js';

export function cli(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    return { code: main(argv), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
