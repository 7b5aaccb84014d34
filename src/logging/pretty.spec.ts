import { describe, expect, it } from '@jest/globals';
import type { DestinationStream } from 'pino';
import { createPinoLogger, resolveLogFormat } from './logger';

function capture(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const ANSI = /\x1b\[[0-9;]*m/g;

describe('log formats', () => {
  it('is pretty for a person at a terminal, JSON for pipes and production, and LOG_FORMAT wins', () => {
    expect(resolveLogFormat(undefined, true, undefined)).toBe('pretty');
    expect(resolveLogFormat(undefined, true, 'development')).toBe('pretty');
    expect(resolveLogFormat(undefined, true, 'production')).toBe('json');
    expect(resolveLogFormat(undefined, false, undefined)).toBe('json');
    expect(resolveLogFormat('json', true, undefined)).toBe('json');
    expect(resolveLogFormat('pretty', false, 'production')).toBe('pretty');
  });

  const secretRequest = {
    req: { id: 'req-1', method: 'POST', url: '/orders/status', headers: { authorization: 'Bearer top-secret-1', 'x-api-key': 'top-secret-2' } },
    res: { statusCode: 201 },
    responseTime: 12,
  };
  const secretFields = { context: 'Test', key: 'top-secret-3', body: { apiKey: 'top-secret-4', phone: '+7 900 000-00-00', email: 'buyer@example.com' } };

  it('writes coloured lines with level, context and message, and secrets redacted', () => {
    const out = capture();
    const logger = createPinoLogger('debug', out, 'pretty');
    logger.info(secretRequest, 'request completed');
    logger.warn(secretFields, 'delivery 42 to imshop failed');
    logger.error({ context: 'Outbox', err: new Error('boom') }, 'boom');
    const text = out.lines.join('');
    expect(text).toMatch(ANSI);
    expect(text).not.toContain('top-secret');
    expect(text).not.toContain('+7 900');
    expect(text).not.toContain('buyer@example.com');
    const plain = text.replace(ANSI, '').split('\n');
    expect(plain[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}POST \/orders\/status → 201 12 ms requestId=req-1$/);
    expect(plain[1]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[Test\] delivery 42 to imshop failed key=\[redacted\] body=\{"apiKey":"\[redacted\]","phone":"\[redacted\]","email":"\[redacted\]"\}$/,
    );
    expect(plain[2]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR \[Outbox\] boom$/);
    expect(plain[3]).toBe('    Error: boom');
    // never a JSON line in this format
    expect(plain.filter((line) => line.startsWith('{'))).toEqual([]);
  });

  it('writes one JSON object per line otherwise, secrets redacted the same way', () => {
    const out = capture();
    const logger = createPinoLogger('info', out, 'json');
    logger.info(secretRequest, 'request completed');
    logger.warn(secretFields, 'delivery 42 to imshop failed');
    expect(out.lines.join('')).not.toContain('top-secret');
    const [access, warning] = out.lines.map((line) => JSON.parse(line));
    expect(access.req.headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]' });
    expect(warning).toMatchObject({ level: 40, context: 'Test', key: '[redacted]', body: { apiKey: '[redacted]', phone: '[redacted]', email: '[redacted]' } });
  });
});
