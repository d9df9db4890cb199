// Device numbers: one per file system (each in-memory tree, each host mount), so hard links and
// renames can tell when they would cross one.

let next = 1n;

export function allocDev(): bigint {
  return next++;
}
