import { expect, test } from 'vitest';
import { WriteGate } from '../../src/store/write-gate.js';

test('a WriteGate runs at most `limit` tasks at once and starts the waiting ones in arrival order', async () => {
  const gate = new WriteGate(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const release: (() => void)[] = [];
  const tasks = Array.from({ length: 6 }, (_, i) =>
    gate.run(async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return i * 10;
    }),
  );
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual([0, 1]);
  // Finish them one by one, last-started first: the next waiter in arrival order takes each freed slot.
  while (release.length > 0) {
    release.pop()!();
    await new Promise((r) => setImmediate(r));
  }
  expect(await Promise.all(tasks)).toEqual([0, 10, 20, 30, 40, 50]);
  expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  expect(peak).toBe(2);
});

test('a failing task frees its slot and its error reaches the caller', async () => {
  const gate = new WriteGate(1);
  await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await gate.run(async () => 'next')).toBe('next');
  expect(() => new WriteGate(0)).toThrow(RangeError);
});
