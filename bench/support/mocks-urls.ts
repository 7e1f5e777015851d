import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';

export type MocksUrls = Record<ServiceName, string>;

/** The URLs a `mocks-process.ts` child prints as its first line, once all ten services listen. */
export function waitForMocksUrls(child: ChildProcess, timeoutMs = 30_000): Promise<MocksUrls> {
  return new Promise<MocksUrls>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the mocks process did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`the mocks process exited early with code ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { urls: MocksUrls }).urls);
      } catch {
        reject(new Error(`unexpected first line from the mocks process: ${line}`));
      }
    });
  });
}
