/**
 * MongoDB's update semantics for `$set`, `$max` and `$unset` on a plain object, for tests of the pure state code
 * (src/store/alert-state.ts) that want to see what a stored document becomes without a database.
 */
export interface PathUpdate {
  $set?: Record<string, unknown>;
  $max?: Record<string, number>;
  $unset?: Record<string, ''>;
}

/** Every path an update names; throws where MongoDB would refuse it (empty or `$` segments, one path inside another, a path twice). */
export function updatePaths(update: PathUpdate): string[] {
  const paths = [...Object.keys(update.$set ?? {}), ...Object.keys(update.$max ?? {}), ...Object.keys(update.$unset ?? {})];
  for (const p of paths) {
    if (p.split('.').some((s) => s === '' || s.startsWith('$'))) throw new Error(`invalid path ${p}`);
    if (paths.indexOf(p) !== paths.lastIndexOf(p)) throw new Error(`a path named twice: ${p}`);
    for (const q of paths) if (q.startsWith(`${p}.`)) throw new Error(`${p} conflicts with ${q}`);
  }
  return paths;
}

/** Applies `update` to a copy of `doc` the way MongoDB does; no update leaves the copy as it was. */
export function applyUpdate<D extends object>(doc: D, update: PathUpdate | undefined): D {
  const out = structuredClone(doc) as Record<string, unknown>;
  if (!update) return out as D;
  updatePaths(update);
  const parent = (path: string, create: boolean): [Record<string, unknown> | undefined, string] => {
    const segments = path.split('.');
    let node: Record<string, unknown> | undefined = out;
    for (const s of segments.slice(0, -1)) {
      if (node === undefined) break;
      if (node[s] === undefined && create) node[s] = {};
      node = node[s] as Record<string, unknown> | undefined;
    }
    return [node, segments.at(-1)!];
  };
  for (const [path, value] of Object.entries(update.$set ?? {})) {
    const [node, last] = parent(path, true);
    node![last] = value;
  }
  for (const [path, value] of Object.entries(update.$max ?? {})) {
    const [node, last] = parent(path, true);
    const current = node![last];
    if (current === undefined || (current as number) < value) node![last] = value;
  }
  for (const path of Object.keys(update.$unset ?? {})) {
    const [node, last] = parent(path, false);
    if (node) delete node[last];
  }
  return out as D;
}
