import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The README and docs/ link to each other's sections: every relative link must name a file that exists
 * and, with a #fragment, a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces
 * as hyphens).
 */

const root = process.cwd();
const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

function withoutCode(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

function anchorsOf(path: string): Set<string> {
  const headings = [...withoutCode(readFileSync(path, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]);
  return new Set(
    headings.map((heading) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('docs', () => {
  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    let links = 0;
    for (const file of files) {
      const text = withoutCode(readFileSync(join(root, file), 'utf8'));
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        links++;
        const [path, fragment] = target.split('#');
        const resolved = path ? join(root, dirname(file), path) : join(root, file);
        if (!existsSync(resolved)) broken.push(`${file}: ${target} (no ${relative(root, resolved)})`);
        else if (fragment && !anchorsOf(resolved).has(fragment)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
    expect(links).toBeGreaterThan(20);
  });
});
