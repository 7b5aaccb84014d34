import type { Response } from 'express';
import { gzip } from 'node:zlib';
import { validateDto } from '../common/validate-dto';

/** Pages this large go gzipped to a browser that takes it (a journey of hundreds of events is a few hundred KiB). */
const COMPRESS_FROM_CHARS = 32 * 1024;

/**
 * Sends a page. A large one is gzipped (at the fastest level, on libuv's thread pool, not the event loop) when the
 * browser accepts it: a tenth of the bytes to write.
 */
export function sendPage(response: Response, body: string, status = 200): void {
  response.status(status).type('html');
  if (body.length < COMPRESS_FROM_CHARS) {
    response.send(body);
    return;
  }
  response.vary('Accept-Encoding');
  if (response.req.acceptsEncodings('gzip') !== 'gzip') {
    response.send(body);
    return;
  }
  gzip(body, { level: 1 }, (error, zipped) => {
    if (error) {
      response.send(body);
      return;
    }
    response.setHeader('Content-Encoding', 'gzip');
    response.send(zipped);
  });
}

/**
 * A query or form checked against its DTO: the instance, or one message per field. Query strings and forms are
 * flat strings; an empty field counts as left out.
 */
export function checked<T extends object>(cls: new () => T, input: unknown): { value: T; messages: string[] } {
  const fields = Object.fromEntries(
    Object.entries((input ?? {}) as Record<string, unknown>).filter(([name, value]) => name !== '_csrf' && value !== '' && !Array.isArray(value)),
  );
  const result = validateDto(cls, fields);
  return result.ok ? { value: result.value, messages: [] } : { value: new cls(), messages: result.messages };
}
