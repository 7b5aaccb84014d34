import { HttpException } from '@nestjs/common';

/** What body-parser (and raw-body under it) attaches to the errors it raises. */
export interface BodyParserError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * The body parser's error behind an exception. A body its Content-Encoding cannot decode (say "gzip" on
 * plain JSON) comes from raw-body as a bare "Bad Request" with only zlib's code (Z_DATA_ERROR,
 * ERR__ERROR_FORMAT_…): it gets a type here, so the answer names the problem (found by fuzzing).
 */
export function parserErrorOf(exception: unknown): BodyParserError | undefined {
  const error = (exception instanceof HttpException ? exception.cause : exception) as (BodyParserError & { code?: unknown }) | undefined;
  if (error && !error.type && typeof error.status === 'number' && error.status < 500 && typeof error.code === 'string' && /^(Z_|ERR_)/.test(error.code)) {
    return { name: error.name, type: 'encoding.failed', status: error.status, message: `cannot be decoded with its Content-Encoding (${error.code})` };
  }
  return error ?? undefined;
}

export function describeParserError(error: BodyParserError): string {
  if (error.type === 'entity.parse.failed') return `body: malformed JSON (${error.message})`;
  if (error.type === 'entity.too.large') return 'body: request body is larger than the configured limit (BODY_LIMIT)';
  // charset.unsupported, encoding.unsupported, encoding.failed and the rest: body-parser's message names the problem.
  return `body: ${error.message}`;
}
