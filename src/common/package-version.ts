import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** The service is always started from its package root (npm start, start:prod, the container's WORKDIR). */
export function packageVersion(): string {
  if (cached) return cached;
  try {
    cached = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
