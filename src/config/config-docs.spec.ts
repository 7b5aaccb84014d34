import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from './app-config';

describe('configuration table (docs/configuration.md)', () => {
  it('names every variable the service reads, and no other', () => {
    const table = readFileSync(join(process.cwd(), 'docs/configuration.md'), 'utf8');
    const named = new Set([...table.matchAll(/^\| `([A-Z][A-Z0-9_]+)`(?: \/ `([A-Z][A-Z0-9_]+)`)?/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean));
    expect(named).toEqual(new Set(CONFIG_VARIABLES));
  });
});
