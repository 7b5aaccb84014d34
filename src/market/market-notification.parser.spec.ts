import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import yaml from 'js-yaml';
import { getMetadataStorage } from 'class-validator';
import { parseJsonLossless } from '../common/lossless-json';
import {
  MARKET_NOTIFICATION_DTO_CLASSES,
  MARKET_NOTIFICATION_TYPES,
  MARKET_ORDER_STATUSES,
  MARKET_ORDER_SUBSTATUSES,
  type MarketNotificationType,
} from './dto';
import {
  canonicalJson,
  marketDedupeKey,
  marketEventTime,
  marketOrderRef,
  parseMarketNotification,
  type MarketNotification,
  type MarketNotificationParseResult,
} from './market-notification.parser';

type Body = Record<string, unknown>;

/** Market's official notification OpenAPI description, copied unchanged into the repository (see its SOURCE.md). */
const NOTIFICATION_SCHEMAS = join(process.cwd(), 'test', 'fixtures', 'yandex-market-notification-api', 'components', 'schemas');

/**
 * One valid notification per type. Field sets follow the official OpenAPI schemas; the time format is the
 * seed's example (`2022-12-29T18:02:01Z`), the offset form is `2022-12-31T00:00:00+03:00`.
 */
const VALID_EXAMPLES: Record<MarketNotificationType, Body> = {
  PING: { notificationType: 'PING', time: '2022-12-29T18:02:01Z' },
  ORDER_CREATED: {
    notificationType: 'ORDER_CREATED',
    orderId: 46830651,
    campaignId: 21683701,
    items: [
      { offerId: 'SKU-12345', count: 2 },
      { offerId: 'Кружка\tбелая 0,3 л', count: 1 },
    ],
    createdAt: '2022-12-29T18:02:01Z',
  },
  ORDER_CANCELLED: {
    notificationType: 'ORDER_CANCELLED',
    orderId: 46830651,
    campaignId: 21683701,
    items: [{ offerId: 'SKU-12345', count: 2 }],
    cancelledAt: '2022-12-31T00:00:00+03:00',
  },
  ORDER_STATUS_UPDATED: {
    notificationType: 'ORDER_STATUS_UPDATED',
    orderId: 46830651,
    campaignId: 21683701,
    status: 'PROCESSING',
    substatus: 'STARTED',
    updatedAt: '2022-12-31T00:00:00+03:00',
  },
  ORDER_RETURN_CREATED: {
    notificationType: 'ORDER_RETURN_CREATED',
    orderId: 46830651,
    returnId: 10437821,
    returnType: 'RETURN',
    campaignId: 21683701,
    items: [{ offerId: 'SKU-12345', count: 1 }],
    createdAt: '2017-11-21T00:00:00.213Z',
  },
  ORDER_CANCELLATION_REQUEST: {
    notificationType: 'ORDER_CANCELLATION_REQUEST',
    orderId: 46830651,
    campaignId: 21683701,
    requestedAt: '2022-12-29T18:02:01Z',
  },
  ORDER_RETURN_STATUS_UPDATED: {
    notificationType: 'ORDER_RETURN_STATUS_UPDATED',
    orderId: 46830651,
    returnId: 10437821,
    campaignId: 21683701,
    statuses: { refundStatus: 'REFUND_IN_PROGRESS' },
    updatedAt: '2022-12-29T18:02:01Z',
  },
  ORDER_UPDATED: {
    notificationType: 'ORDER_UPDATED',
    orderId: 46830651,
    campaignId: 21683701,
    updateType: 'DELIVERY_DATE_UPDATED',
    updatedAt: '2022-12-29T18:02:01Z',
  },
  GOODS_FEEDBACK_CREATED: {
    notificationType: 'GOODS_FEEDBACK_CREATED',
    feedbackId: 187654321,
    businessId: 9876543,
    createdAt: '2022-12-28T10:00:00+03:00',
    publishedAt: '2022-12-29T18:02:01Z',
  },
  GOODS_FEEDBACK_COMMENT_CREATED: {
    notificationType: 'GOODS_FEEDBACK_COMMENT_CREATED',
    commentId: 5123456,
    businessId: 9876543,
    createdAt: '2022-12-29T18:02:01Z',
  },
  CHAT_CREATED: {
    notificationType: 'CHAT_CREATED',
    chatId: 3518467,
    businessId: 9876543,
    createdAt: '2022-12-29T18:02:01Z',
  },
  CHAT_MESSAGE_SENT: {
    notificationType: 'CHAT_MESSAGE_SENT',
    chatId: 3518467,
    messageId: '987654321',
    businessId: 9876543,
    sentAt: '2022-12-29T18:02:01.123456789Z',
  },
  CHAT_ARBITRAGE_STARTED: {
    notificationType: 'CHAT_ARBITRAGE_STARTED',
    chatId: 3518467,
    businessId: 9876543,
    startedAt: '2022-12-29T18:02:01Z',
  },
  CHAT_ARBITRAGE_FINISHED: {
    notificationType: 'CHAT_ARBITRAGE_FINISHED',
    chatId: 3518467,
    businessId: 9876543,
    finishedAt: '2022-12-29T18:02:01Z',
  },
  QUESTION_CREATED: {
    notificationType: 'QUESTION_CREATED',
    questionId: 7034562,
    businessId: 9876543,
    createdAt: '2022-12-29T18:02:01Z',
  },
  QUESTION_ANSWER_CREATED: {
    notificationType: 'QUESTION_ANSWER_CREATED',
    answerId: 7035120,
    businessId: 9876543,
    createdAt: '2022-12-29T18:02:01Z',
  },
  QUESTION_COMMENT_CREATED: {
    notificationType: 'QUESTION_COMMENT_CREATED',
    answerId: 7035120,
    commentId: 5123999,
    businessId: 9876543,
    createdAt: '2022-12-29T18:02:01Z',
  },
};

/** `required:` of each `<Type>NotificationDTO.yaml` (notificationType is checked before the DTO). */
const REQUIRED_FIELDS: Record<MarketNotificationType, readonly string[]> = {
  PING: [],
  ORDER_CREATED: ['orderId', 'campaignId', 'items', 'createdAt'],
  ORDER_CANCELLED: ['orderId', 'campaignId', 'items', 'cancelledAt'],
  ORDER_STATUS_UPDATED: ['orderId', 'campaignId', 'status', 'substatus', 'updatedAt'],
  ORDER_RETURN_CREATED: ['orderId', 'returnId', 'returnType', 'campaignId', 'items', 'createdAt'],
  ORDER_CANCELLATION_REQUEST: ['orderId', 'campaignId', 'requestedAt'],
  ORDER_RETURN_STATUS_UPDATED: ['orderId', 'returnId', 'campaignId', 'statuses', 'updatedAt'],
  ORDER_UPDATED: ['orderId', 'campaignId', 'updateType', 'updatedAt'],
  GOODS_FEEDBACK_CREATED: ['feedbackId', 'businessId', 'createdAt', 'publishedAt'],
  GOODS_FEEDBACK_COMMENT_CREATED: ['commentId', 'businessId', 'createdAt'],
  CHAT_CREATED: ['chatId', 'businessId', 'createdAt'],
  CHAT_MESSAGE_SENT: ['chatId', 'messageId', 'businessId', 'sentAt'],
  CHAT_ARBITRAGE_STARTED: ['chatId', 'businessId', 'startedAt'],
  CHAT_ARBITRAGE_FINISHED: ['chatId', 'businessId', 'finishedAt'],
  QUESTION_CREATED: ['questionId', 'businessId', 'createdAt'],
  QUESTION_ANSWER_CREATED: ['answerId', 'businessId', 'createdAt'],
  QUESTION_COMMENT_CREATED: ['answerId', 'commentId', 'businessId', 'createdAt'],
};

const ID_FIELDS = ['orderId', 'campaignId', 'businessId', 'returnId', 'chatId', 'feedbackId', 'commentId', 'questionId', 'answerId'];

const ALL_TYPES = [...MARKET_NOTIFICATION_TYPES];
const NON_PING_TYPES = ALL_TYPES.filter((type) => type !== 'PING');

function example(type: MarketNotificationType, overrides: Body = {}): Body {
  return { ...structuredClone(VALID_EXAMPLES[type]), ...overrides };
}

function without(body: Body, field: string): Body {
  const copy = { ...body };
  delete copy[field];
  return copy;
}

function expectOk(result: MarketNotificationParseResult): Extract<MarketNotificationParseResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected a valid notification, got: ${result.message}`);
  return result;
}

function expectError(result: MarketNotificationParseResult): string {
  if (result.ok) throw new Error(`expected a validation error, got ${JSON.stringify(result.dto)}`);
  return result.message;
}

function parsedDto(body: unknown): Record<string, unknown> {
  return expectOk(parseMarketNotification(body)).dto as unknown as Record<string, unknown>;
}

function parsed(body: unknown): MarketNotification {
  return expectOk(parseMarketNotification(body));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('parseMarketNotification', () => {
  it('covers every notification type of the official spec', () => {
    expect(ALL_TYPES).toHaveLength(17);
    expect(Object.keys(MARKET_NOTIFICATION_DTO_CLASSES).sort()).toEqual([...ALL_TYPES].sort());
  });

  describe('valid examples', () => {
    it.each(ALL_TYPES)('%s parses into its DTO class with ids as strings', (type) => {
      const result = expectOk(parseMarketNotification(example(type)));
      expect(result).toMatchObject({ ok: true, type, known: true });
      expect(result.dto).toBeInstanceOf(MARKET_NOTIFICATION_DTO_CLASSES[type]);
      const dto = result.dto as Record<string, unknown>;
      for (const field of ID_FIELDS) {
        const original = VALID_EXAMPLES[type][field];
        if (original !== undefined) expect(dto[field]).toBe(String(original));
      }
    });

    it('PING may come without time', () => {
      expect(parseMarketNotification({ notificationType: 'PING' })).toMatchObject({ ok: true, known: true });
    });

    it('parses the seed PING example taken from raw JSON text', () => {
      const body = parseJsonLossless('{\n    "notificationType": "PING",\n    "time": "2022-12-29T18:02:01Z"\n}');
      expect(parsedDto(body)).toMatchObject({ notificationType: 'PING', time: '2022-12-29T18:02:01Z' });
    });

    it('builds nested item DTOs', () => {
      const dto = parsedDto(example('ORDER_CREATED')) as { items: Array<{ offerId: string; count: number }> };
      expect(dto.items).toEqual([
        { offerId: 'SKU-12345', count: 2 },
        { offerId: 'Кружка\tбелая 0,3 л', count: 1 },
      ]);
    });

    it('does not mutate the input (even a frozen one)', () => {
      for (const type of ALL_TYPES) {
        const body = deepFreeze(example(type, { orderId: 5 }));
        const before = structuredClone(body);
        parseMarketNotification(body);
        expect(body).toEqual(before);
      }
    });
  });

  describe('body shape and notificationType', () => {
    it.each([[[]], [null], ['PING'], [42], [true], [undefined], [new Date()], [new Map()]])('rejects %p with "body must be a JSON object"', (body) => {
      expect(expectError(parseMarketNotification(body))).toBe('body must be a JSON object');
    });

    it('accepts a null-prototype object', () => {
      const body = Object.assign(Object.create(null) as Body, VALID_EXAMPLES.PING);
      expect(parseMarketNotification(body)).toMatchObject({ ok: true, type: 'PING' });
    });

    it.each([
      ['missing', {}],
      ['null', { notificationType: null }],
      ['a number', { notificationType: 1 }],
      ['an array', { notificationType: ['PING'] }],
      ['blank', { notificationType: '  ' }],
    ])('names notificationType when it is %s', (_, body) => {
      expect(expectError(parseMarketNotification(body))).toMatch(/^notificationType /);
    });

    it('treats an unknown notificationType as ok but not known, with a detached copy of the body', () => {
      const body = { notificationType: 'ORDER_TELEPORTED', orderId: '12345678901234567890', nested: { a: [1] } };
      const result = expectOk(parseMarketNotification(body));
      expect(result).toMatchObject({ ok: true, type: 'ORDER_TELEPORTED', known: false });
      expect(result.dto).toEqual(body);
      expect(result.dto).not.toBe(body);
      expect((result.dto as typeof body).nested).not.toBe(body.nested);
    });

    it('keeps an own "__proto__" key of an unknown type as data in the copy', () => {
      const body = parseJsonLossless('{"notificationType":"NEW_THING","__proto__":{"x":1}}') as Body;
      const dto = expectOk(parseMarketNotification(body)).dto;
      expect(Object.getPrototypeOf(dto)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(dto, '__proto__')?.value).toEqual({ x: 1 });
      expect(canonicalJson(dto)).toBe(canonicalJson(body));
    });

    it('copes with values structuredClone cannot copy in unknown types', () => {
      const body = { notificationType: 'NEW_THING', callback: () => 1 };
      expect(parseMarketNotification(body)).toMatchObject({ ok: true, known: false });
    });

    it('is case-sensitive about types: "ping" is unknown, not PING', () => {
      expect(parseMarketNotification({ notificationType: 'ping' })).toMatchObject({ ok: true, known: false });
    });
  });

  describe('required fields', () => {
    const cases = NON_PING_TYPES.flatMap((type) => REQUIRED_FIELDS[type].map((field) => [type, field] as const));

    it.each(cases)('%s without %s is rejected, naming the field', (type, field) => {
      const message = expectError(parseMarketNotification(without(example(type), field)));
      expect(message).toBe(`${field} is required`);
    });

    it.each(cases)('%s with %s = null is rejected, naming the field', (type, field) => {
      const message = expectError(parseMarketNotification(example(type, { [field]: null })));
      expect(message).toBe(`${field} is required`);
    });

    it('reports every missing field at once', () => {
      const message = expectError(parseMarketNotification({ notificationType: 'ORDER_CREATED' }));
      expect(message).toBe('orderId is required; campaignId is required; items is required; createdAt is required');
    });

    it.each(['offerId', 'count'])('an item without %s is rejected with its full path', (field) => {
      const body = example('ORDER_CREATED');
      const items = body['items'] as Body[];
      items[1] = without(items[1], field);
      expect(expectError(parseMarketNotification(body))).toBe(`items[1].${field} is required`);
    });

    it('return items are checked too', () => {
      const body = example('ORDER_RETURN_CREATED', { items: [{ offerId: 'SKU-1' }] });
      expect(expectError(parseMarketNotification(body))).toBe('items[0].count is required');
    });

    it('DTO validation metadata requires exactly the spec fields', () => {
      const storage = getMetadataStorage();
      for (const type of ALL_TYPES) {
        const required = storage
          .getTargetValidationMetadatas(MARKET_NOTIFICATION_DTO_CLASSES[type], '', true, false)
          .filter((metadata) => metadata.type === 'isDefined')
          .map((metadata) => metadata.propertyName)
          .filter((name) => name !== 'notificationType');
        expect([type, [...required].sort()]).toEqual([type, [...REQUIRED_FIELDS[type]].sort()]);
      }
    });

    it('Swagger metadata marks the same fields required and gives every field an example', () => {
      for (const type of ALL_TYPES) {
        const prototype = MARKET_NOTIFICATION_DTO_CLASSES[type].prototype as object;
        const documented = (Reflect.getMetadata('swagger/apiModelPropertiesArray', prototype) as string[]).map((key) => key.replace(/^:/, ''));
        for (const property of documented) {
          const options = Reflect.getMetadata('swagger/apiModelProperties', prototype, property) as {
            required?: boolean;
            example?: unknown;
            type?: unknown;
          };
          const isRequired = property === 'notificationType' || REQUIRED_FIELDS[type].includes(property);
          // @ApiProperty leaves `required` unset (meaning required); @ApiPropertyOptional sets it to false.
          expect([type, property, options.required !== false]).toEqual([type, property, isRequired]);
          if (property !== 'items' && property !== 'statuses') {
            expect([type, property, options.example]).not.toEqual([type, property, undefined]);
          }
        }
        expect(documented.sort()).toEqual(Object.keys(VALID_EXAMPLES[type]).sort());
      }
    });

    it('REQUIRED_FIELDS matches the official OpenAPI schema of every notification type (test/fixtures)', () => {
      const request = yaml.load(readFileSync(join(NOTIFICATION_SCHEMAS, 'SendNotificationRequest.yaml'), 'utf8')) as {
        discriminator: { mapping: Record<string, string> };
      };
      expect(Object.keys(request.discriminator.mapping).sort()).toEqual([...ALL_TYPES].sort());
      for (const type of ALL_TYPES) {
        const schema = yaml.load(readFileSync(join(NOTIFICATION_SCHEMAS, request.discriminator.mapping[type]), 'utf8')) as { required?: string[] };
        expect([type, (schema.required ?? []).filter((name) => name !== 'notificationType').sort()]).toEqual([type, [...REQUIRED_FIELDS[type]].sort()]);
      }
    });
  });

  describe('int64 identifiers', () => {
    it.each([
      ['a boolean', true],
      ['an empty string', ''],
      ['a blank string', ' '],
      ['a float', 1.5],
      ['a float string', '1.5'],
      ['an exponent string', '1e5'],
      ['a string with letters', '12a'],
      ['a string with spaces', ' 12'],
      ['a plus sign', '+12'],
      ['leading zeros', '012'],
      ['"-0"', '-0'],
      ['an unsafe number (already rounded)', 2 ** 53],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['an object', { value: 1 }],
      ['an array', [1]],
      ['above int64', '9223372036854775808'],
      ['below int64', '-9223372036854775809'],
      ['a 20-digit id', '12345678901234567890'],
    ])('orderId as %s is rejected, naming orderId', (_, orderId) => {
      const message = expectError(parseMarketNotification(example('ORDER_STATUS_UPDATED', { orderId })));
      expect(message).toMatch(/^orderId must be an int64 integer/);
    });

    it.each(ID_FIELDS.filter((field) => field !== 'orderId'))('%s rejects a float too', (field) => {
      const type = ALL_TYPES.find((candidate) => VALID_EXAMPLES[candidate][field] !== undefined)!;
      const message = expectError(parseMarketNotification(example(type, { [field]: 7.25 })));
      expect(message).toMatch(new RegExp(`^${field} must be an int64 integer`));
    });

    it('keeps an id beyond 2^53 exactly when the body came through the lossless parser', () => {
      const text =
        '{"notificationType":"ORDER_STATUS_UPDATED","orderId":9223372036854775807,"campaignId":9007199254740993,' +
        '"status":"DELIVERY","substatus":"COURIER_SEARCH","updatedAt":"2022-12-29T18:02:01Z"}';
      const dto = parsedDto(parseJsonLossless(text));
      expect(dto['orderId']).toBe('9223372036854775807');
      expect(dto['campaignId']).toBe('9007199254740993');
    });

    it('accepts digit strings and the full int64 range where the spec sets no minimum', () => {
      expect(parsedDto(example('ORDER_UPDATED', { orderId: '-9223372036854775808' }))['orderId']).toBe('-9223372036854775808');
      expect(parsedDto(example('ORDER_UPDATED', { orderId: 0 }))['orderId']).toBe('0');
      expect(parsedDto(example('ORDER_UPDATED', { orderId: '46830651' }))['orderId']).toBe('46830651');
    });

    it.each([
      ['campaignId', 'ORDER_CREATED'],
      ['businessId', 'CHAT_CREATED'],
    ] as const)('%s must be at least 1 (minimum: 1 in the spec)', (field, type) => {
      for (const value of [0, -5, '-9223372036854775808']) {
        expect(expectError(parseMarketNotification(example(type, { [field]: value })))).toMatch(
          new RegExp(`^${field} must be an int64 integer not less than 1`),
        );
      }
      expect(parsedDto(example(type, { [field]: 1 }))[field]).toBe('1');
    });

    it('item counts must be integers', () => {
      const body = example('ORDER_CANCELLED', { items: [{ offerId: 'SKU-1', count: 1.5 }] });
      expect(expectError(parseMarketNotification(body))).toMatch(/^items\[0\]\.count must be an integer/);
      const stringCount = example('ORDER_CANCELLED', { items: [{ offerId: 'SKU-1', count: '2' }] });
      expect(expectError(parseMarketNotification(stringCount))).toMatch(/^items\[0\]\.count /);
    });

    it('messageId is a plain string, not an int64', () => {
      expect(parsedDto(example('CHAT_MESSAGE_SENT', { messageId: 'msg:abc-1' }))['messageId']).toBe('msg:abc-1');
      expect(expectError(parseMarketNotification(example('CHAT_MESSAGE_SENT', { messageId: 987 })))).toMatch(/^messageId must be a string/);
    });
  });

  describe('date-times', () => {
    it.each([
      '2022-12-29T18:02:01Z',
      '2022-12-31T00:00:00+03:00',
      '2022-12-31T00:00:00-05:30',
      '2017-11-21T00:00:00.213Z',
      '2022-12-29T18:02:01.123456789+03:00',
      '2022-12-29t18:02:01z',
      '2024-02-29T23:59:59Z',
    ])('accepts %s', (updatedAt) => {
      expect(parseMarketNotification(example('ORDER_UPDATED', { updatedAt }))).toMatchObject({ ok: true });
    });

    it.each([
      ['no offset', '2022-12-31T00:00:00'],
      ['no offset, with fraction', '2022-12-31T00:00:00.123'],
      ['date only', '2022-12-31'],
      ['space instead of T', '2022-12-31 00:00:00Z'],
      ['offset without colon', '2022-12-31T00:00:00+0300'],
      ['hour-only offset', '2022-12-31T00:00:00+03'],
      ['February 30', '2022-02-30T00:00:00Z'],
      ['February 29 in a common year', '2023-02-29T00:00:00Z'],
      ['month 13', '2022-13-01T00:00:00Z'],
      ['hour 24', '2022-12-31T24:00:00Z'],
      ['leap second', '2016-12-31T23:59:60Z'],
      ['offset hour 24', '2022-12-31T00:00:00+24:00'],
      ['10 fractional digits', '2022-12-31T00:00:00.1234567890Z'],
      ['human text', 'yesterday'],
      ['epoch number', 1672340521000],
      ['empty string', ''],
    ])('rejects %s, naming the field', (_, updatedAt) => {
      const message = expectError(parseMarketNotification(example('ORDER_UPDATED', { updatedAt })));
      expect(message).toMatch(/^updatedAt must be an ISO 8601 date-time with a UTC offset/);
    });

    it('validates the optional PING time when present', () => {
      expect(expectError(parseMarketNotification({ notificationType: 'PING', time: '2022-12-29 18:02' }))).toMatch(/^time must be an ISO 8601 date-time/);
    });

    it('keeps the date-time string exactly as sent', () => {
      expect(parsedDto(example('CHAT_MESSAGE_SENT'))['sentAt']).toBe('2022-12-29T18:02:01.123456789Z');
    });
  });

  describe('tolerant enums', () => {
    it('accepts an unknown order status and substatus', () => {
      const dto = parsedDto(example('ORDER_STATUS_UPDATED', { status: 'TELEPORTING', substatus: 'BEAM_ALIGNING' }));
      expect(dto).toMatchObject({ status: 'TELEPORTING', substatus: 'BEAM_ALIGNING' });
    });

    it('accepts every known status and substatus', () => {
      for (const status of MARKET_ORDER_STATUSES) {
        expect(parseMarketNotification(example('ORDER_STATUS_UPDATED', { status }))).toMatchObject({ ok: true });
      }
      for (const substatus of MARKET_ORDER_SUBSTATUSES) {
        expect(parseMarketNotification(example('ORDER_STATUS_UPDATED', { substatus }))).toMatchObject({ ok: true });
      }
    });

    it('accepts unknown updateType, returnType and return statuses', () => {
      expect(parseMarketNotification(example('ORDER_UPDATED', { updateType: 'ADDRESS_UPDATED' }))).toMatchObject({
        ok: true,
      });
      expect(parseMarketNotification(example('ORDER_RETURN_CREATED', { returnType: 'EXCHANGE' }))).toMatchObject({
        ok: true,
      });
      const statuses = { refundStatus: 'REFUNDED_IN_CRYPTO', shipmentStatus: 'ON_THE_MOON' };
      expect(parsedDto(example('ORDER_RETURN_STATUS_UPDATED', { statuses }))['statuses']).toEqual(statuses);
    });

    it.each([
      ['empty', ''],
      ['blank', '   '],
      ['a number', 3],
      ['an object', { code: 'PROCESSING' }],
    ])('still rejects a status that is %s', (_, status) => {
      expect(expectError(parseMarketNotification(example('ORDER_STATUS_UPDATED', { status })))).toMatch(/^status must be a non-empty string/);
    });

    it('statuses may hold only the changed status, or even none', () => {
      expect(parseMarketNotification(example('ORDER_RETURN_STATUS_UPDATED', { statuses: { shipmentStatus: 'PICKED' } }))).toMatchObject({ ok: true });
      expect(parseMarketNotification(example('ORDER_RETURN_STATUS_UPDATED', { statuses: {} }))).toMatchObject({ ok: true });
    });

    it('statuses must be an object and its members non-empty strings', () => {
      for (const statuses of ['REFUNDED', [{ refundStatus: 'REFUNDED' }], 7]) {
        expect(expectError(parseMarketNotification(example('ORDER_RETURN_STATUS_UPDATED', { statuses })))).toBe('statuses must be an object');
      }
      const badMember = example('ORDER_RETURN_STATUS_UPDATED', { statuses: { refundStatus: 42 } });
      expect(expectError(parseMarketNotification(badMember))).toMatch(/^statuses\.refundStatus must be a non-empty string/);
    });
  });

  describe('unknown extra fields', () => {
    it('are accepted at the top level and inside items', () => {
      const body = example('ORDER_CREATED', {
        fulfilmentType: 'FBS',
        nested: { deep: [1, 2, { x: null }] },
        items: [{ offerId: 'SKU-1', count: 1, price: 99.9, marketSku: 100256 }],
      });
      expect(parseMarketNotification(body)).toMatchObject({ ok: true, known: true });
    });

    it('a "__proto__" key from the lossless parser changes neither validation nor the DTO prototype', () => {
      const text =
        '{"notificationType":"CHAT_CREATED","chatId":1,"businessId":2,"createdAt":"2022-12-29T18:02:01Z",' +
        '"__proto__":{"chatId":"not-an-id","isAdmin":true}}';
      const result = expectOk(parseMarketNotification(parseJsonLossless(text)));
      expect(Object.getPrototypeOf(result.dto)).toBe(MARKET_NOTIFICATION_DTO_CLASSES.CHAT_CREATED.prototype);
      expect((result.dto as { isAdmin?: unknown }).isAdmin).toBeUndefined();
      expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    });

    it('a "constructor" key cannot switch off validation', () => {
      const body = parseJsonLossless('{"notificationType":"CHAT_CREATED","constructor":{"name":"Object"}}');
      expect(expectError(parseMarketNotification(body))).toBe('chatId is required; businessId is required; createdAt is required');
    });
  });

  describe('SKU (offerId)', () => {
    const withSku = (offerId: unknown): Body => example('ORDER_CREATED', { items: [{ offerId, count: 1 }] });

    it.each([
      ['a control character', 'SKU\u0001'],
      ['a newline', 'SKU\n1'],
      ['DEL', 'SKU\u007f'],
      ['NUL', '\u0000'],
      ['256 characters', 'x'.repeat(256)],
      ['an empty string', ''],
      ['only spaces', '   '],
      ['a number', 12345],
    ])('rejects an offerId with %s, naming items[0].offerId', (_, offerId) => {
      expect(expectError(parseMarketNotification(withSku(offerId)))).toMatch(/^items\[0\]\.offerId must be a SKU string/);
    });

    it.each([
      ['255 characters', 'x'.repeat(255)],
      ['255 emoji (counted as characters, not UTF-16 units)', '😀'.repeat(255)],
      ['a tab inside (allowed by the spec pattern)', 'SKU\t1'],
      ['Cyrillic and punctuation', 'Чай «Эрл Грей», 100 г'],
      ['surrounding spaces (Market trims them on its side)', '  SKU123  '],
    ])('accepts an offerId with %s, unchanged', (_, offerId) => {
      const dto = parsedDto(withSku(offerId)) as { items: Array<{ offerId: string }> };
      expect(dto.items[0].offerId).toBe(offerId);
    });

    it('reports the failing item by index', () => {
      const body = example('ORDER_CREATED', {
        items: [
          { offerId: 'ok', count: 1 },
          { offerId: 'bad\u0002', count: 1 },
        ],
      });
      expect(expectError(parseMarketNotification(body))).toMatch(/^items\[1\]\.offerId /);
    });

    it('items must be an array of objects', () => {
      expect(expectError(parseMarketNotification(example('ORDER_CREATED', { items: 'SKU-1' })))).toBe('items must be an array');
      expect(expectError(parseMarketNotification(example('ORDER_CREATED', { items: { offerId: 'a', count: 1 } })))).toBe('items must be an array');
      expect(expectError(parseMarketNotification(example('ORDER_CREATED', { items: ['SKU-1'] })))).toBe('items[0] must be an object');
    });

    it('an empty items list is accepted (the spec sets no minItems)', () => {
      expect(parseMarketNotification(example('ORDER_CREATED', { items: [] }))).toMatchObject({ ok: true });
    });
  });
});

describe('marketDedupeKey', () => {
  const keyOf = (body: Body): string => {
    return marketDedupeKey(expectOk(parseMarketNotification(body)));
  };

  it('has the documented layout for ORDER_STATUS_UPDATED', () => {
    expect(keyOf(example('ORDER_STATUS_UPDATED'))).toBe('ORDER_STATUS_UPDATED:21683701:46830651:PROCESSING:STARTED:2022-12-30T21:00:00Z');
  });

  it.each(ALL_TYPES)('%s: stable across parses and starts with the type', (type) => {
    const first = keyOf(example(type));
    expect(keyOf(example(type))).toBe(first);
    expect(first.startsWith(`${type}:`)).toBe(true);
  });

  it('gives every type a different key', () => {
    const keys = ALL_TYPES.map((type) => keyOf(example(type)));
    expect(new Set(keys).size).toBe(ALL_TYPES.length);
  });

  it('includes the big ids exactly', () => {
    const key = keyOf(example('ORDER_CREATED', { orderId: '9223372036854775807', campaignId: '9007199254740993' }));
    expect(key).toBe('ORDER_CREATED:9007199254740993:9223372036854775807:2022-12-29T18:02:01Z');
  });

  it('treats the same instant written in different offsets or precisions as the same event', () => {
    const utc = keyOf(example('ORDER_UPDATED', { updatedAt: '2022-12-29T18:02:01Z' }));
    expect(keyOf(example('ORDER_UPDATED', { updatedAt: '2022-12-29T21:02:01+03:00' }))).toBe(utc);
    expect(keyOf(example('ORDER_UPDATED', { updatedAt: '2022-12-29T18:02:01.000Z' }))).toBe(utc);
    expect(keyOf(example('ORDER_UPDATED', { orderId: '46830651' }))).toBe(keyOf(example('ORDER_UPDATED')));
  });

  it('differs when the event time differs, down to nanoseconds', () => {
    const base = keyOf(example('ORDER_STATUS_UPDATED', { updatedAt: '2022-12-29T18:02:01Z' }));
    expect(keyOf(example('ORDER_STATUS_UPDATED', { updatedAt: '2022-12-29T18:02:02Z' }))).not.toBe(base);
    const nanos = keyOf(example('CHAT_MESSAGE_SENT', { sentAt: '2022-12-29T18:02:01.123456789Z' }));
    expect(keyOf(example('CHAT_MESSAGE_SENT', { sentAt: '2022-12-29T18:02:01.123456788Z' }))).not.toBe(nanos);
  });

  it.each([
    ['ORDER_STATUS_UPDATED', { substatus: 'READY_TO_SHIP' }],
    ['ORDER_STATUS_UPDATED', { status: 'CANCELLED' }],
    ['ORDER_STATUS_UPDATED', { orderId: 46830652 }],
    ['ORDER_STATUS_UPDATED', { campaignId: 21683702 }],
    ['ORDER_UPDATED', { updateType: 'SHIPMENT_DATE_UPDATED' }],
    ['ORDER_RETURN_STATUS_UPDATED', { statuses: { shipmentStatus: 'PICKED' } }],
    ['ORDER_RETURN_CREATED', { returnId: 10437822 }],
    ['GOODS_FEEDBACK_CREATED', { publishedAt: '2022-12-30T00:00:00Z' }],
    ['CHAT_MESSAGE_SENT', { messageId: '987654322' }],
    ['QUESTION_COMMENT_CREATED', { commentId: 1 }],
  ] as const)('%s: changing %j gives a different key', (type, change) => {
    expect(keyOf(example(type, change))).not.toBe(keyOf(example(type)));
  });

  it('ignores fields that do not identify the event', () => {
    expect(keyOf(example('ORDER_CREATED', { extra: 1, items: [] }))).toBe(keyOf(example('ORDER_CREATED')));
  });

  it('percent-encodes free text so a ":" cannot shift fields', () => {
    const key = keyOf(example('CHAT_MESSAGE_SENT', { messageId: 'a:b' }));
    expect(key).toBe('CHAT_MESSAGE_SENT:9876543:3518467:a%3Ab:2022-12-29T18:02:01.123456789Z');
  });

  it('leaves an empty segment for an absent return status', () => {
    expect(keyOf(example('ORDER_RETURN_STATUS_UPDATED'))).toBe(
      'ORDER_RETURN_STATUS_UPDATED:21683701:46830651:10437821:REFUND_IN_PROGRESS::2022-12-29T18:02:01Z',
    );
  });

  it('uses PING time, or a body hash without it', () => {
    expect(keyOf(example('PING'))).toBe('PING:2022-12-29T18:02:01Z');
    expect(keyOf({ notificationType: 'PING' })).toMatch(/^PING:sha256:[0-9a-f]{64}$/);
  });

  it('hashes the canonical body of unknown types: key order does not matter, content does', () => {
    const first = keyOf({ notificationType: 'NEW_THING', a: 1, b: { c: '12345678901234567890', d: [1, 2] } });
    const reordered = keyOf({ b: { d: [1, 2], c: '12345678901234567890' }, a: 1, notificationType: 'NEW_THING' });
    const changed = keyOf({ notificationType: 'NEW_THING', a: 2, b: { c: '12345678901234567890', d: [1, 2] } });
    expect(first).toMatch(/^NEW_THING:sha256:[0-9a-f]{64}$/);
    expect(reordered).toBe(first);
    expect(changed).not.toBe(first);
  });

  it('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: [{ z: 1, y: 2 }], a: 'x', u: undefined })).toBe('{"a":"x","b":[{"y":2,"z":1}]}');
  });
});

describe('marketEventTime', () => {
  const EVENT_TIME_FIELD: Record<MarketNotificationType, string> = {
    PING: 'time',
    ORDER_CREATED: 'createdAt',
    ORDER_CANCELLED: 'cancelledAt',
    ORDER_STATUS_UPDATED: 'updatedAt',
    ORDER_RETURN_CREATED: 'createdAt',
    ORDER_CANCELLATION_REQUEST: 'requestedAt',
    ORDER_RETURN_STATUS_UPDATED: 'updatedAt',
    ORDER_UPDATED: 'updatedAt',
    GOODS_FEEDBACK_CREATED: 'publishedAt',
    GOODS_FEEDBACK_COMMENT_CREATED: 'createdAt',
    CHAT_CREATED: 'createdAt',
    CHAT_MESSAGE_SENT: 'sentAt',
    CHAT_ARBITRAGE_STARTED: 'startedAt',
    CHAT_ARBITRAGE_FINISHED: 'finishedAt',
    QUESTION_CREATED: 'createdAt',
    QUESTION_ANSWER_CREATED: 'createdAt',
    QUESTION_COMMENT_CREATED: 'createdAt',
  };

  it.each(ALL_TYPES)('%s: reads its own time field', (type) => {
    const body = example(type);
    const expected = new Date(String(body[EVENT_TIME_FIELD[type]]));
    expect(marketEventTime(parsed(body))?.getTime()).toBe(expected.getTime());
  });

  it('honours the offset', () => {
    const notification = parsed(example('ORDER_STATUS_UPDATED', { updatedAt: '2022-12-31T00:00:00+03:00' }));
    expect(marketEventTime(notification)?.toISOString()).toBe('2022-12-30T21:00:00.000Z');
  });

  it('returns null for a PING without time and for unknown types', () => {
    expect(marketEventTime(parsed({ notificationType: 'PING' }))).toBeNull();
    expect(marketEventTime(parsed({ notificationType: 'NEW_THING', createdAt: '2022-12-29T18:02:01Z' }))).toBeNull();
  });
});

describe('marketOrderRef', () => {
  const ORDER_TYPES: MarketNotificationType[] = [
    'ORDER_CREATED',
    'ORDER_CANCELLED',
    'ORDER_STATUS_UPDATED',
    'ORDER_UPDATED',
    'ORDER_CANCELLATION_REQUEST',
    'ORDER_RETURN_CREATED',
    'ORDER_RETURN_STATUS_UPDATED',
  ];

  it.each(ORDER_TYPES)('%s refers to its order with string ids', (type) => {
    expect(marketOrderRef(parsed(example(type)))).toEqual({ campaignId: '21683701', orderId: '46830651' });
  });

  it('keeps big ids exact', () => {
    const notification = parsed(
      parseJsonLossless(
        '{"notificationType":"ORDER_CANCELLATION_REQUEST","orderId":9223372036854775807,"campaignId":1,' + '"requestedAt":"2022-12-29T18:02:01Z"}',
      ),
    );
    expect(marketOrderRef(notification)).toEqual({ campaignId: '1', orderId: '9223372036854775807' });
  });

  it.each(ALL_TYPES.filter((type) => !ORDER_TYPES.includes(type)))('%s has no order', (type) => {
    expect(marketOrderRef(parsed(example(type)))).toBeNull();
  });

  it('unknown types have no order, even if they carry order-looking fields', () => {
    expect(marketOrderRef(parsed({ notificationType: 'ORDER_TELEPORTED', orderId: 1, campaignId: 2 }))).toBeNull();
  });
});
