/** Request examples for Swagger, taken from seed 001 and IMSHOP's newer documentation. */

export const APP_CANCELLATION_EXAMPLES = {
  seed: {
    summary: 'Seed 001 shape {uuid, internalId, reason}',
    value: { uuid: 'f5315818-cccc-4444-aaaa-31b6aebceb54', internalId: '12345', reason: 'Не дозвонились, купил в другом магазине' },
  },
  current: {
    summary: 'Newer shape {id, status, reason}',
    value: { id: '12345', status: 'canceled', reason: 'Не дозвонились, купил в другом магазине' },
  },
};
