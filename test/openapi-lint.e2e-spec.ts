import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import spectralCore from '@stoplight/spectral-core';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTestApp, type TestApp } from './support/test-app';

const { Spectral } = spectralCore;
const { oas } = spectralRulesets;

/** Spectral's severities: 0 error, 1 warning, 2 information, 3 hint. */
const SEVERITY = ['error', 'warning', 'info', 'hint'];

interface Finding {
  severity: string;
  code: string;
  path: string;
  message: string;
}

/** `/docs-json` through Spectral's `spectral:oas` ruleset (its recommended rules), in-process. */
async function lint(document: unknown): Promise<Finding[]> {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
  const results = await spectral.run(JSON.stringify(document));
  return results.map((result) => ({
    severity: SEVERITY[result.severity] ?? String(result.severity),
    code: String(result.code),
    path: result.path.join('.'),
    message: result.message,
  }));
}

describe('the OpenAPI description (/docs-json) passes spectral:oas', () => {
  for (const sandbox of [false, true]) {
    describe(sandbox ? 'with SANDBOX=true' : 'as deployed (no sandbox)', () => {
      let t: TestApp;
      beforeAll(async () => {
        t = await startTestApp(sandbox ? { SANDBOX: 'true' } : {});
      });
      afterAll(async () => {
        await t?.close();
      });

      it('has no errors, declares its tags and servers, and describes every operation', async () => {
        const res = await t.http().get('/docs-json').expect(200);
        const findings = await lint(res.body);
        const errors = findings.filter((f) => f.severity === 'error');
        const counts = findings.reduce<Record<string, number>>(
          (acc, f) => ((acc[`${f.severity} ${f.code}`] = (acc[`${f.severity} ${f.code}`] ?? 0) + 1), acc),
          {},
        );
        const artifacts = resolve('test-artifacts');
        mkdirSync(artifacts, { recursive: true });
        writeFileSync(
          join(artifacts, `spectral-${sandbox ? 'sandbox' : 'default'}.txt`),
          findings.map((f) => `${f.severity} ${f.code} ${f.path}: ${f.message}`).join('\n') + '\n',
        );
        process.stdout.write(`spectral:oas on /docs-json (${sandbox ? 'sandbox' : 'default'}): ${JSON.stringify(counts)}\n`);
        expect(errors).toEqual([]);
        // The warnings the issue named are gone too: tags declared globally, every operation described, servers set.
        expect(findings.filter((f) => ['operation-tag-defined', 'operation-description', 'oas3-api-servers'].includes(f.code))).toEqual([]);
      });
    });
  }
});
