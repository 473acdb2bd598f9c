/** The worker's Temporal Runtime: where the SDK's logs go and whether its metrics are served to Prometheus. */
import { DefaultLogger, Runtime, type Logger, type LogLevel } from '@temporalio/worker';
import type { Config } from './config.js';
import { jsonLogLine } from './logging.js';

/**
 * The logger installed in the SDK's Runtime. JSON lines go to stdout, one per entry; text keeps the SDK's own
 * format on stderr.
 */
export function createSdkLogger(log: Config['log']): Logger {
  const level = log.level.toUpperCase() as LogLevel;
  if (log.format === 'text') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => {
    process.stdout.write(`${jsonLogLine(entry)}\n`);
  });
}

/**
 * Installs the SDK's Runtime once, before any connection is made. Core (Rust) logs are forwarded to the same
 * logger as the TypeScript side, so in JSON mode every line the SDK writes is JSON. With `metrics` set, the
 * SDK serves its Prometheus metrics on `http://<address>/metrics`.
 */
export function installWorkerRuntime(config: Pick<Config, 'log' | 'metrics'>): Runtime {
  const level = config.log.level.toUpperCase() as LogLevel;
  return Runtime.install({
    logger: createSdkLogger(config.log),
    telemetryOptions: {
      logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
      ...(config.metrics !== undefined && { metrics: { prometheus: { bindAddress: config.metrics.address } } }),
    },
  });
}
