import type { DestinationStream } from 'pino';

/**
 * Pino's JSON lines as coloured one-liners for a person at a terminal:
 * `18:52:01.123 INFO  [Outbox] delivery 42 to imshop … requestId=6f1c…`. It reads the line pino has
 * already serialised, so redaction applies exactly as in the JSON format. Written here rather than
 * taken from pino-pretty: that is a development tool, and the production install has no dev dependencies.
 */

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const CYAN = '\x1b[36m';
const LEVELS: Record<number, { label: string; colour: string }> = {
  10: { label: 'TRACE', colour: '\x1b[90m' },
  20: { label: 'DEBUG', colour: '\x1b[34m' },
  30: { label: 'INFO ', colour: '\x1b[32m' },
  40: { label: 'WARN ', colour: '\x1b[33m' },
  50: { label: 'ERROR', colour: '\x1b[31m' },
  60: { label: 'FATAL', colour: '\x1b[41m\x1b[97m' },
};
/** Fields every line has, or that the line shows in its own place. */
const SHOWN = new Set(['level', 'time', 'service', 'pid', 'hostname', 'msg', 'context', 'req', 'res', 'responseTime', 'err']);

function clock(time: unknown): string {
  const date = new Date(typeof time === 'string' || typeof time === 'number' ? time : Date.now());
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString().slice(11, 23);
}

function value(field: unknown): string {
  return typeof field === 'string' && /^[^\s"=]+$/.test(field) ? field : JSON.stringify(field);
}

/** The fields of a pino line shown in their own place; the others are shown as key=value. */
interface PinoLine {
  level?: unknown;
  time?: unknown;
  context?: unknown;
  msg?: unknown;
  responseTime?: unknown;
  req?: { method?: unknown; url?: unknown; id?: unknown };
  res?: { statusCode?: unknown };
  err?: { stack?: unknown; type?: unknown; message?: unknown };
  [field: string]: unknown;
}

/** One pino JSON line as a coloured line (plus an error's stack, indented, below it). */
export function formatLogLine(line: string): string {
  let entry: PinoLine;
  try {
    entry = JSON.parse(line) as PinoLine;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = LEVELS[entry.level as number] ?? { label: String(entry.level).padEnd(5), colour: '' };
  const parts = [`${DIM}${clock(entry.time)}${RESET}`, `${level.colour}${level.label}${RESET}`];
  if (entry.context) parts.push(`${CYAN}[${entry.context}]${RESET}`);
  if (entry.req && typeof entry.req === 'object') {
    // the access log: method, path, status and time say it all
    const status = entry.res?.statusCode;
    parts.push(
      `${entry.req.method} ${entry.req.url} → ${status ?? '-'} ${entry.responseTime ?? '?'} ms${entry.msg === 'request aborted' ? ' (aborted by the client)' : ''}`,
    );
    if (entry.req.id) parts.push(`${DIM}requestId=${entry.req.id}${RESET}`);
  } else if (entry.msg !== undefined) {
    parts.push(String(entry.msg));
  }
  const extra = Object.entries(entry).filter(([key, field]) => !SHOWN.has(key) && field !== undefined);
  if (extra.length) parts.push(`${DIM}${extra.map(([key, field]) => `${key}=${value(field)}`).join(' ')}${RESET}`);
  let text = parts.join(' ');
  if (entry.err && typeof entry.err === 'object') {
    const stack = typeof entry.err.stack === 'string' ? entry.err.stack : `${entry.err.type ?? 'Error'}: ${entry.err.message ?? ''}`;
    text += `\n${stack
      .split('\n')
      .map((l: string) => `    ${l}`)
      .join('\n')}`;
  }
  return `${text}\n`;
}

/** A pino destination that writes {@link formatLogLine}'s lines to `out` (default stdout). */
export function prettyDestination(out: { write(chunk: string): unknown } = process.stdout): DestinationStream {
  return {
    write(line: string) {
      out.write(formatLogLine(line));
    },
  };
}
