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
const SWITCH_RULE = '@typescript-eslint/switch-exhaustiveness-check';

/** The `line:finding` pairs a fixture marks with `// reported: a, b` (or `// reported` for a single unnamed one). */
function markedFindings(fixture: string, unnamed = ''): string[] {
  return readFileSync(join(root, fixture), 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      const marked = /\/\/ reported(?:: (.+))?$/.exec(line);
      return marked ? (marked[1]?.split(', ') ?? [unnamed]).map((id) => `${i + 1}:${id}`) : [];
    })
    .sort();
}

describe('lint rules', () => {
  it('reports SQL outside a repository by the receiver type, one finding per chain, and SQL text', async () => {
    const fixture = 'test/fixtures/sql-outside-repository/sample.service.ts';
    const eslint = new ESLint({ cwd: root, overrideConfig: { files: [fixture], rules: { [SQL_RULE]: 'error' } } });
    const [result] = await eslint.lintFiles([fixture]);
    const found = result.messages.map((m) => `${m.line}:${m.ruleId === SQL_RULE ? m.messageId : m.message}`).sort();
    const expected = markedFindings(fixture);
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

  it('reports a switch over a union that leaves a member out, a `default` notwithstanding, in src only', async () => {
    const fixture = 'test/fixtures/switch-exhaustiveness/sample.ts';
    const eslint = new ESLint({
      cwd: root,
      overrideConfig: { files: [fixture], rules: { [SWITCH_RULE]: ['error', { considerDefaultExhaustiveForUnions: false }] } },
    });
    const [result] = await eslint.lintFiles([fixture]);
    const found = result.messages.filter((m) => m.ruleId === SWITCH_RULE).map((m) => `${m.line}:${SWITCH_RULE}`);
    expect(found).toEqual(markedFindings(fixture, SWITCH_RULE));
    expect(found).toHaveLength(2);
    const configured = async (path: string) =>
      ((await new ESLint({ cwd: root }).calculateConfigForFile(path)) as { rules?: Record<string, unknown[]> }).rules?.[SWITCH_RULE];
    expect(await configured('src/market/market-notification.service.ts')).toEqual([2, { considerDefaultExhaustiveForUnions: false }]);
    expect(await configured('test/support/fake-market-api.ts')).toBeUndefined();
  });

  it("refuses a module importing another module's entity (even as a type only) or repository, and files importing each other", async () => {
    const config = createRequire(join(root, 'package.json'))('./.dependency-cruiser.cjs') as IConfiguration;
    const baseDir = join(root, 'test/fixtures/module-boundaries');
    const { output } = await cruise(['src'], { ...config.options, tsConfig: undefined, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } });
    const violations = (output as ICruiseResult).summary.violations.map((v) => `${v.rule.severity} ${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(violations).toEqual([
      // One finding per cycle, at the edge that closes it (here a type-only import: those count too).
      'error no-circular: src/gamma/gamma-line.ts → src/gamma/gamma-order.ts',
      'error no-foreign-entity: src/beta/beta-view.ts → src/alpha/alpha.entity.ts',
      'error no-foreign-entity: src/beta/beta.service.ts → src/alpha/alpha.entity.ts',
      'error no-foreign-repository: src/beta/beta.service.ts → src/alpha/alpha.repository.ts',
    ]);
  });
});
