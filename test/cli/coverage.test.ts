/**
 * `hostwatch schedule create|update|delete` record each schedule's coverage in `schedule_coverage` for the agent
 * interval warning (issue 14 point 4), as real processes against the dev server and FerretDB; an unreachable
 * MongoDB is a note, the schedule is still changed.
 */
import { expect, inject, test } from 'vitest';
import { CoverageStore } from '../../src/store/coverage-store.js';
import { hostwatchCli } from '../support/cli.js';
import { freshStore } from '../support/db.js';
import { uniqueTaskQueue } from '../support/temporal.js';

test('create records first step, tags and grace; update changes them; delete removes them; unreachable MongoDB is a note', async () => {
  const { mongo, uri, dbName } = await freshStore();
  const coverage = new CoverageStore(mongo.db);
  const base = { TEMPORAL_ADDRESS: inject('devServerAddress'), TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cov') };
  const env = { ...base, MONGODB_URI: uri, MONGODB_DB: dbName };
  const id = `cov-${uniqueTaskQueue('s')}`;
  const sched = (e: Record<string, string>, ...args: string[]) => hostwatchCli(['schedule', ...args], e);
  const doc = async () => {
    const d = await coverage.collection.findOne({ _id: id });
    return d && { firstStepMinutes: d.firstStepMinutes, tags: d.tags, graceSeconds: d.graceSeconds };
  };
  try {
    const created = await sched(env, 'create', '--id', id, '--tag', 'Prod', '--channels', 'oncall', '--steps', '5,10', '--grace', '90s', '--paused', '--no-housekeeping');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain(`recorded schedule "${id}" for the agent interval warning (first step 5 min, hosts tagged prod)\n`);
    expect(await doc()).toEqual({ firstStepMinutes: 5, tags: ['prod'], graceSeconds: 90 });

    const updated = await sched(env, 'update', '--id', id, '--all-hosts', '--steps', '1,10');
    expect(updated.stdout).toContain(`recorded schedule "${id}" for the agent interval warning (first step 1 min, every host)\n`);
    expect(await doc()).toEqual({ firstStepMinutes: 1, tags: null, graceSeconds: 90 });

    // MONGODB_URI set but nothing listening: the schedule changes, the coverage does not, and the output says so.
    const away = await sched({ ...base, MONGODB_URI: 'mongodb://127.0.0.1:1', MONGODB_DB: dbName }, 'update', '--id', id, '--steps', '2,10');
    expect(away).toMatchObject({ code: 0, stderr: '' });
    expect(away.stdout).toContain(`note: cannot reach MongoDB (MONGODB_URI): schedule "${id}" is not known to the agent interval warning (docs/agent.md)\n`);
    expect(away.stdout).not.toContain('127.0.0.1:1');
    expect(await doc()).toEqual({ firstStepMinutes: 1, tags: null, graceSeconds: 90 });

    // Without MONGODB_URI nothing is attempted (and nothing more is printed).
    const none = await sched(base, 'update', '--id', id, '--steps', '3,10');
    expect(none.stdout).not.toContain('agent interval warning');

    expect(await sched(env, 'delete', '--id', id)).toMatchObject({ code: 0, stderr: '', stdout: `deleted schedule "${id}"\n` });
    expect(await doc()).toBeNull();
  } finally {
    await sched(base, 'delete', '--id', id);
    await mongo.close();
  }
}, 120_000);
