import { describe, expect, it } from '@jest/globals';
import { ConflictError, DomainError, httpExceptionOf, InvalidInputError, NotFoundError, UnavailableError } from './domain-error';

class PeerRefused extends DomainError {
  readonly kind = 'peer_failed';
  readonly details = { imshop: { status: 500, body: { error: 'busy' } } };
  constructor() {
    super('IMSHOP refused the ticket');
  }
}

describe('httpExceptionOf', () => {
  it('gives each kind its status and the body Nest gives that status', () => {
    const answer = (error: DomainError) => {
      const exception = httpExceptionOf(error);
      return [exception.getStatus(), exception.getResponse()];
    };
    expect(answer(new InvalidInputError(['since must be an ISO date', 'target: unknown']))).toEqual([
      400,
      { statusCode: 400, message: ['since must be an ISO date', 'target: unknown'], error: 'Bad Request' },
    ]);
    expect(answer(new NotFoundError('order 7 does not exist'))).toEqual([404, { statusCode: 404, message: 'order 7 does not exist', error: 'Not Found' }]);
    expect(answer(new ConflictError('already sent'))).toEqual([409, { statusCode: 409, message: 'already sent', error: 'Conflict' }]);
    expect(answer(new UnavailableError('IMSHOP is not configured'))).toEqual([
      503,
      { statusCode: 503, message: 'IMSHOP is not configured', error: 'Service Unavailable' },
    ]);
    expect(answer(new PeerRefused())).toEqual([
      502,
      { statusCode: 502, message: 'IMSHOP refused the ticket', error: 'Bad Gateway', imshop: { status: 500, body: { error: 'busy' } } },
    ]);
    // With details, the keys come in the order the answers had before services raised DomainErrors.
    expect(Object.keys(httpExceptionOf(new PeerRefused()).getResponse() as object)).toEqual(['statusCode', 'error', 'message', 'imshop']);
  });

  it('names the error after its class, for logs', () => {
    expect(new PeerRefused().name).toBe('PeerRefused');
  });
});
