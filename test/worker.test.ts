/** `npm run worker` as a real process: config validation at start-up and a clean stop on SIGTERM/SIGINT. */
import { expect, inject, test } from 'vitest';
import { MailCatcher } from '../scripts/lib/mail-catcher.js';
import { hostwatchCli, startTsProcess } from './support/cli.js';
import { uniqueTaskQueue } from './support/temporal.js';


function startWorker(env: Record<string, string>) {
  return startTsProcess(['src/worker.ts'], env);
}

test('bad configuration: one line per bad variable, exit code 2, no secret echoed', async () => {
  const w = startWorker({ SMTP_URL: 'http://user:hunter2@mail', TEMPORAL_ADDRESS: 'no-port', HOSTWATCH_TIMEZONE: 'Nowhere/Land' });
  expect(await w.exited).toBe(2);
  expect(w.err().trim().split('\n')).toEqual([
    'hostwatch: TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233',
    'hostwatch: SMTP_URL: must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
    'hostwatch: HOSTWATCH_TIMEZONE: must be an IANA time zone, e.g. Europe/Berlin',
  ]);
  expect(w.err()).not.toContain('hunter2');
});

test.each(['SIGTERM', 'SIGINT'] as const)('the worker polls its task queue, then stops cleanly on %s', async (signal) => {
  const catcher = await new MailCatcher().start();
  const taskQueue = uniqueTaskQueue('proc');
  const w = startWorker({
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    MONGODB_URI: inject('mongoUri'),
    MONGODB_DB: `proc_${taskQueue.replace(/\W/g, '_')}`,
    SMTP_URL: catcher.url,
  });
  try {
    const deadline = Date.now() + 60_000;
    while (!w.out().includes('hostwatch worker: task queue') && Date.now() < deadline) {
      if (w.child.exitCode !== null) throw new Error(`worker exited early: ${w.err()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(w.out()).toContain(`hostwatch worker: task queue "${taskQueue}"`);
    // It really serves the queue: a one-off check through a schedule on that queue completes.
    const env = { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: taskQueue };
    const id = `proc-${taskQueue}`;
    expect((await hostwatchCli(['schedule', 'create', '--id', id, '--recipients', 'ops@example.com', '--every', '1h'], env)).code).toBe(0);
    expect((await hostwatchCli(['schedule', 'trigger', '--id', id], env)).code).toBe(0);
    let described = '';
    while (!/recent runs:\n {4}\S/.test(described) && Date.now() < deadline) described = (await hostwatchCli(['schedule', 'describe', '--id', id], env)).stdout;
    expect(described).toMatch(/runs so far: {2}1 /);
    await hostwatchCli(['schedule', 'delete', '--id', id], env);

    w.child.kill(signal);
    expect(await w.exited).toBe(0);
    expect(w.out()).toContain('hostwatch worker: stopped');
  } finally {
    w.child.kill('SIGKILL');
    await catcher.stop();
  }
});
