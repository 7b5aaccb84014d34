import { createHash } from 'node:crypto';
import { consoleScript } from './console-script';
import { CONSOLE_CSS } from './console-style';

export interface ConsoleAsset {
  /** The file name, with a hash of the content (so it can be cached for good). */
  name: string;
  type: string;
  body: string;
}

function asset(base: string, extension: string, type: string, body: string): ConsoleAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${base}-${hash}.${extension}`, type, body };
}

/** The stylesheet and the script, built once at start from this package's own code (nothing is fetched). */
export const CONSOLE_ASSETS = {
  css: asset('console', 'css', 'text/css; charset=utf-8', CONSOLE_CSS),
  js: asset('console', 'js', 'text/javascript; charset=utf-8', `'use strict';\n(${consoleScript.toString()})();\n`),
};

export function consoleAsset(name: string): ConsoleAsset | undefined {
  return Object.values(CONSOLE_ASSETS).find((candidate) => candidate.name === name);
}
