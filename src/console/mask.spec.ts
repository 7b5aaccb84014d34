import { describe, expect, it } from '@jest/globals';
import { isCredentialName, maskCredentials } from '../common/credentials';
import { maskedText } from './mask';

describe('console masking', () => {
  it('masks credential fields by name at any depth, and nothing else', () => {
    const body = {
      key: 'imshop-secret',
      orderId: 'YM-1',
      dedupeKey: 'market:1',
      nested: [{ accessToken: 't1', apiKey: 'k', api_key: 'k2', 'X-Api-Key': 'k3', password: 'p', webhookSecret: 's', name: 'Пётр' }],
      authorization: 'Bearer abcdef123',
    };
    expect(maskCredentials(body)).toEqual({
      key: '[masked]',
      orderId: 'YM-1',
      dedupeKey: 'market:1',
      nested: [
        {
          accessToken: '[masked]',
          apiKey: '[masked]',
          api_key: '[masked]',
          'X-Api-Key': '[masked]',
          password: '[masked]',
          webhookSecret: '[masked]',
          name: 'Пётр',
        },
      ],
      authorization: '[masked]',
    });
    expect(['matchKey', 'idempotencyKey', 'ticketId', 'orderId'].filter(isCredentialName)).toEqual([]);
  });

  it('masks HTTP credentials inside strings and JSON text', () => {
    expect(maskCredentials({ note: 'called with Authorization: Bearer sk_live_abcdef' })).toEqual({ note: 'called with Authorization: Bearer [masked]' });
    expect(maskedText('{"token":"abc","ok":true}')).toBe('{\n  "token": "[masked]",\n  "ok": true\n}');
    expect(maskedText('plain Basic dXNlcjpwYXNz text')).toBe('plain Basic [masked] text');
  });
});
