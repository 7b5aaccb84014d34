// node bench/cpu-share.mjs [--by-file] <folder or .cpuprofile>…: where a process's CPU went, from V8 CPU profiles
// (`node --cpu-prof`, or BENCH_PROFILE_DIR=<folder> npm run bench). The time of every sample goes to a
// group: the package its code came from, or this app's own modules by folder (app: dist/logging, …).
// Builtins (JSON.stringify, RegExp, …) and Node's internals (node:fs, node:net, …) are charged to the
// nearest caller that is neither, so pino's writes count as pino; what has no such caller stays
// `(native or builtin)` / `node internals`; V8's garbage collector and `(program)` are their own groups.
// Printed as shares of the time the process was not idle; a profile covers the process's whole life.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function profiles(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((entry) => (entry.endsWith('.cpuprofile') || statSync(join(path, entry)).isDirectory() ? profiles(join(path, entry)) : []));
}

function group(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native or builtin)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = /\/dist\/([^/]+)\/(.*)$/.exec(url);
  if (dist) return BY_FILE ? `app: dist/${dist[1]}/${dist[2]}` : `app: dist/${dist[1]}`;
  if (/\/dist\/[^/]+\.js$/.test(url)) return 'app: dist/*.js';
  return url;
}

// --by-file: the app's own code by file rather than by folder
const BY_FILE = process.argv.includes('--by-file');
for (const file of process.argv
  .slice(2)
  .filter((arg) => arg !== '--by-file')
  .flatMap(profiles)) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const isInternal = (frame) => !frame.functionName.startsWith('(') && (!frame.url || frame.url.startsWith('node:'));
  const chargedFrame = (id) => {
    const own = byId.get(id).callFrame;
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at).callFrame;
      if (!isInternal(frame)) return frame.functionName === '(root)' ? own : frame;
    }
    return own;
  };
  const selfMicros = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to the sample's node
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const groups = new Map();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue;
    const frame = chargedFrame(id);
    const name = group(frame.url, frame.functionName);
    groups.set(name, (groups.get(name) ?? 0) + micros);
    busy += micros;
  }
  const wall = (profile.endTime - profile.startTime) / 1e6;
  console.log(`\n${file}: ${(busy / 1e6).toFixed(1)} s of CPU in ${wall.toFixed(1)} s`);
  for (const [name, micros] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`  ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`);
  }
}
