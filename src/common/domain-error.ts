import { BadGatewayException, BadRequestException, ConflictException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';

/** What kind of failure a domain error is; the HTTP layer maps each to one status. */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable' | 'peer_failed';

/**
 * An error a service raises, in the domain's terms: services never speak HTTP, and other services read these
 * errors' typed fields, never an HTTP body. Controllers and filters map them (httpExceptionOf): invalid 400,
 * not_found 404, conflict 409, unavailable 503, peer_failed 502.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  /** Extra fields of the HTTP answer's body (beside statusCode, message and error). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

/** Bad input: one message per problem, each naming its field (the 400's `message` array). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid';
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
}

/** The HTTP answer of a domain error: the same body Nest's own exception of that status gives, plus `details`. */
export function httpExceptionOf(error: DomainError): HttpException {
  const withDetails = (exception: HttpException) => {
    if (!error.details) return exception;
    const { statusCode, error: name, message } = exception.getResponse() as Record<string, unknown>;
    return new HttpException({ statusCode, error: name, message, ...error.details }, exception.getStatus(), { cause: error });
  };
  switch (error.kind) {
    case 'invalid':
      return withDetails(new BadRequestException(error instanceof InvalidInputError ? error.messages : [error.message], { cause: error }));
    case 'not_found':
      return withDetails(new NotFoundException(error.message, { cause: error }));
    case 'conflict':
      return withDetails(new ConflictException(error.message, { cause: error }));
    case 'unavailable':
      return withDetails(new ServiceUnavailableException(error.message, { cause: error }));
    case 'peer_failed':
      return withDetails(new BadGatewayException(error.message, { cause: error }));
  }
}
