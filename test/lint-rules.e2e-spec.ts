import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { ESLint } from 'eslint';

/**
 * The rules `npm run lint` keeps the module layout with (eslint.config.mjs, .dependency-cruiser.cjs,
 * lint/), run on small fixtures that break them, so that a rule that silently stopped matching fails here.
 */

const root = process.cwd();
const SQL_RULE = 'order-sync/no-sql-outside-repository';

describe('lint rules', () => {
  it('reports SQL outside a repository by the receiver type, one finding per chain, and SQL text', async () => {
    const fixture = 'test/fixtures/sql-outside-repository/sample.service.ts';
    const eslint = new ESLint({ cwd: root, overrideConfig: { files: [fixture], rules: { [SQL_RULE]: 'error' } } });
    const [result] = await eslint.lintFiles([fixture]);
    const found = result.messages.map((m) => `${m.line}:${m.ruleId === SQL_RULE ? m.messageId : m.message}`).sort();
    const expected = readFileSync(join(root, fixture), 'utf8')
      .split('\n')
      .flatMap((line, i) => (/\/\/ reported: (.+)$/.exec(line)?.[1].split(', ') ?? []).map((id) => `${i + 1}:${id}`))
      .sort();
    expect(expected.length).toBeGreaterThan(5);
    expect(found).toEqual(expected);
  });

  it('applies the SQL rule to src but not to repositories, src/database or tests', async () => {
    const eslint = new ESLint({ cwd: root });
    const severity = async (path: string) => ((await eslint.calculateConfigForFile(path)) as { rules?: Record<string, unknown[]> }).rules?.[SQL_RULE]?.[0];
    expect(await severity('src/some-module/some.service.ts')).toBe(2);
    expect(await severity('src/some-module/some.controller.ts')).toBe(2);
    expect(await severity('src/some-module/some.repository.ts')).toBeUndefined();
    expect(await severity('src/database/migrations/1-Some.ts')).toBeUndefined();
    expect(await severity('src/database/session-lock.ts')).toBeUndefined();
    expect(await severity('test/some.e2e-spec.ts')).toBeUndefined();
  });

  it("refuses a module importing another module's entity (even as a type only) or repository", async () => {
    const config = createRequire(join(root, 'package.json'))('./.dependency-cruiser.cjs') as IConfiguration;
    const baseDir = join(root, 'test/fixtures/module-boundaries');
    const { output } = await cruise(['src'], { ...config.options, tsConfig: undefined, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } });
    const violations = (output as ICruiseResult).summary.violations.map((v) => `${v.rule.severity} ${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(violations).toEqual([
      'error no-foreign-entity: src/beta/beta-view.ts → src/alpha/alpha.entity.ts',
      'error no-foreign-entity: src/beta/beta.service.ts → src/alpha/alpha.entity.ts',
      'error no-foreign-repository: src/beta/beta.service.ts → src/alpha/alpha.repository.ts',
    ]);
  });
});
