import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a production install of this package holds, read from package-lock.json: the packages reachable
 * from `dependencies` and `optionalDependencies` (not dev), resolved the way Node finds them (nested
 * node_modules first, then the parents'). The container image and the lean-install test use it.
 */

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
}

function lockPackages(root: string): Record<string, LockEntry> {
  return (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
}

/** The lock path Node would load `name` from when required inside the package at lock path `from`. */
function resolveFrom(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** Lock paths (`node_modules/…`) of every package a production install needs, leaving out `leaveOut` (and what only it needs). */
export function productionPackages(root: string, leaveOut: string[] = []): Set<string> {
  const packages = lockPackages(root);
  const reached = new Set<string>();
  const visit = (from: string) => {
    const entry = packages[from];
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peer] of Object.entries(entry.peerDependencies ?? {})) if (!entry.peerDependenciesMeta?.[peer]?.optional) required[peer] = '';
    for (const name of Object.keys(required)) {
      if (from === '' && leaveOut.includes(name)) continue;
      const found = resolveFrom(packages, from, name);
      if (found && !reached.has(found)) {
        reached.add(found);
        visit(found);
      }
    }
  };
  visit('');
  return reached;
}

/** Lock paths of the packages that only `name` brings into a production install (itself included). */
export function packagesOnlyFor(root: string, name: string): string[] {
  const all = productionPackages(root);
  const without = productionPackages(root, [name]);
  return [...all].filter((path) => !without.has(path)).sort();
}
