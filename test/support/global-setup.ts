/**
 * Starts the real services once for the whole test run: FerretDB, the Temporal dev server and the Temporal
 * time-skipping test server. Each test file then uses its own database and task queue.
 */
import type { TestProject } from 'vitest/node';
import { startFerretDb, startTemporalDevServer, startTemporalTestServer, type RunningService } from '../../scripts/lib/services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    devServerAddress: string;
    testServerAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RunningService[] = [];
  try {
    const [ferret, dev, timeSkipping] = await Promise.all([startFerretDb(), startTemporalDevServer(), startTemporalTestServer()]);
    started.push(ferret, dev, timeSkipping);
    project.provide('mongoUri', ferret.uri);
    project.provide('devServerAddress', dev.address);
    project.provide('testServerAddress', timeSkipping.address);
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  return async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
}
