import { describe, expect, it } from '@jest/globals';
import { isCredentialName, maskCredentials, maskCredentialsInText, maskHeaders, maskUrl } from './credentials';

describe('credentials are masked by their name', () => {
  it('knows a credential by *authorization*, *api-key*, *token*, secret, password, cookie and `key` itself', () => {
    for (const name of [
      'authorization',
      'Proxy-Authorization',
      'Api-Key',
      'x-api-key',
      'api_key',
      'apiKey',
      'X-Auth-Token',
      'accessToken',
      'refresh_token',
      'client_secret',
      'password',
      'cookie',
      'set-cookie',
      'key',
      'KEY',
    ]) {
      expect([name, isCredentialName(name)]).toEqual([name, true]);
    }
    for (const name of ['content-type', 'x-request-id', 'ticketId', 'keyboard', 'monkey', 'idempotency-key', 'orderId', 'keys']) {
      expect([name, isCredentialName(name)]).toEqual([name, false]);
    }
  });

  it('masks headers, keeping the scheme of an authorization', () => {
    expect(
      maskHeaders({
        Authorization: 'Bearer s3cret-1',
        'proxy-authorization': 'Basic czNjcmV0LTI=',
        'Api-Key': 's3cret-3',
        'x-auth-token': ['s3cret-4', 's3cret-5'],
        'content-type': 'application/json',
        'x-request-id': 'req-1',
        'content-length': 12,
        absent: undefined,
      }),
    ).toEqual({
      authorization: 'Bearer [masked]',
      'proxy-authorization': 'Basic [masked]',
      'api-key': '[masked]',
      'x-auth-token': '[masked]',
      'content-type': 'application/json',
      'x-request-id': 'req-1',
      'content-length': '12',
    });
    expect(maskHeaders({ authorization: 'Bearer x' }, '[redacted]')).toEqual({ authorization: 'Bearer [redacted]' });
  });

  it('masks body fields at any depth, and keeps a "__proto__" field a field', () => {
    const body = JSON.parse('{"key":"s1","id":"7","nested":{"apiKey":"s2","list":[{"token":"s3","name":"x"}]},"__proto__":{"password":"s4"}}');
    const masked = maskCredentials(body) as Record<string, unknown>;
    expect(JSON.stringify(masked)).toBe(
      '{"key":"[masked]","id":"7","nested":{"apiKey":"[masked]","list":[{"token":"[masked]","name":"x"}]},"__proto__":{"password":"[masked]"}}',
    );
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    // the input is left as it was
    expect(body.nested.apiKey).toBe('s2');
    expect(maskCredentials('text')).toBe('text');
    expect(maskCredentials({ errorMessage: 'Authorization: Bearer s5 is not valid', note: 'a key to nothing' })).toEqual({
      errorMessage: 'Authorization: Bearer [masked] is not valid',
      note: 'a key to nothing',
    });
    expect(maskCredentials(null)).toBeNull();
  });

  it('masks credentials in text: JSON string fields and name: value or name=value pairs', () => {
    expect(maskCredentialsInText('{"success":false,"token":"s3cret-1","echo":{"Authorization":"Bearer s3cret-2"},"errorMessage":"bad key"}')).toBe(
      '{"success":false,"token":"[masked]","echo":{"Authorization":"[masked]"},"errorMessage":"bad key"}',
    );
    expect(maskCredentialsInText('<pre>Authorization: Bearer s3cret-3\nApi-Key: s3cret-4\nHost: x</pre>')).toBe(
      '<pre>Authorization: Bearer [masked]\nApi-Key: [masked]\nHost: x</pre>',
    );
    expect(maskCredentialsInText('GET /x?access_token=s3cret-5&page=2 failed; key=s3cret-6')).toBe('GET /x?access_token=[masked]&page=2 failed; key=[masked]');
    // nothing to mask: the very same string
    const plain = 'HTTP 503: {"success":false,"errorMessage":"down"}';
    expect(maskCredentialsInText(plain)).toBe(plain);
    // masking twice changes nothing more
    const once = maskCredentialsInText('token=abc "apiKey": "def"');
    expect(maskCredentialsInText(once)).toBe(once);
  });

  it('masks credential query parameters of a URL', () => {
    expect(maskUrl('/metrics?token=s3cret&x=1')).toBe('/metrics?token=[masked]&x=1');
    expect(maskUrl('/a?api%5Fkey=s3cret&key=s2&keyboard=qwerty')).toBe('/a?api%5Fkey=[masked]&key=[masked]&keyboard=qwerty');
    expect(maskUrl('/admin/orders?page=2')).toBe('/admin/orders?page=2');
    expect(maskUrl('/plain')).toBe('/plain');
  });
});
