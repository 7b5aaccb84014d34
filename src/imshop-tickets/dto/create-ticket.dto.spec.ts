import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { TICKET_TYPES } from '../../imshop-client/imshop-ticket-types';
import { CreateTicketDto, TicketCartLineDto, TicketStepDto } from './create-ticket.dto';
import { validateDto } from '../../common/validate-dto';

/** The example request of IMSHOP's "Создание заявки". */
const DOC_EXAMPLE = {
  type: 'prepare',
  shouldBeAcceptedInTimeout: 900,
  steps: [
    { id: 'prepare-order', title: 'Сборка заказа', cta: 'Завершить сборку', displayCart: true, scanToConfirm: true, datamatrix: true, timeout: 1200 },
    { id: 'pack-order', cta: 'Завершить упаковку', title: 'Упаковка' },
  ],
  orderId: 'a-12345',
  storeId: '16784',
  staffUserId: '0001234',
  staffGroupId: '1234000',
  buyer: { name: 'Петр Иванов', phone: '+79997771234', email: 'some@mail.com' },
  delivery: {
    type: 'regular',
    provider: 'cdek',
    address: {
      region: 'Москва',
      city: 'Москва',
      settlement: null,
      postalCode: '125080',
      street: 'Волоколамское шоссе',
      house: '2',
      block: null,
      apt: null,
      fiasId: '6cd79dbd-375d-4aaa-ad66-75200adac327',
    },
  },
  cart: [
    {
      configurationId: '63a8dd3e-ce7a-41f9-8572-0f9236234918',
      quantity: 2,
      price: 4999,
      discount: 1000,
      datamatrixRequired: true,
      subtotal: 8998,
      discountRules: [{ id: '1c_first_purchase', description: 'Скидка 1000 руб на первую покупку онлайн' }],
    },
  ],
  promocode: 'FIRST1000',
  price: 9998,
  discount: 1000,
  deliveryPrice: 0,
  finalPrice: 8998,
  payment: { paid: true, method: 'card', comment: 'Последние 4 цифры карты: 1234' },
  comment: 'Комментарий',
};

const MINIMAL = { type: 'receive', orderId: 'a-12345', storeId: '16784' };

const messages = (body: unknown): string[] => {
  const result = validateDto(CreateTicketDto, body);
  if (result.ok) throw new Error(`expected a rejection of ${JSON.stringify(body)}`);
  return result.messages;
};

describe('CreateTicketDto', () => {
  it("accepts IMSHOP's documented example with nested DTO instances", () => {
    const result = validateDto(CreateTicketDto, DOC_EXAMPLE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.steps?.[0]).toBeInstanceOf(TicketStepDto);
    expect(result.value.cart?.[0]).toBeInstanceOf(TicketCartLineDto);
  });

  it('accepts a minimal ticket of every type but cancel, and a cancel with ticketId', () => {
    for (const type of TICKET_TYPES.filter((t) => t !== 'cancel')) expect(validateDto(CreateTicketDto, { ...MINIMAL, type }).ok).toBe(true);
    expect(validateDto(CreateTicketDto, { ...MINIMAL, type: 'cancel', ticketId: 'rsp-1746761' }).ok).toBe(true);
  });

  it('names missing required fields', () => {
    expect(messages({})).toEqual(['type is required', 'orderId is required', 'storeId is required']);
    expect(messages({ ...MINIMAL, type: 'return' })).toEqual(['type must be one of the following values: prepare, ship, receive, release, cancel']);
  });

  it('requires ticketId exactly when type is cancel', () => {
    expect(messages({ ...MINIMAL, type: 'cancel' })).toEqual(['ticketId is required when type is cancel (the id of the ticket to cancel, a non-empty string)']);
    expect(messages({ ...MINIMAL, type: 'cancel', ticketId: '' })[0]).toMatch(/^ticketId is required when type is cancel/);
    expect(messages({ ...MINIMAL, type: 'prepare', ticketId: 'rsp-1' })).toEqual(['ticketId must be omitted unless type is cancel']);
  });

  it('names nested fields with full paths', () => {
    expect(
      messages({
        ...DOC_EXAMPLE,
        cart: [DOC_EXAMPLE.cart[0], { configurationId: 'x', quantity: 1, price: 'free', discountRules: [{ description: 'no id' }] }],
        buyer: { name: 'Петр', phone: 'call me' },
        steps: [{ id: 'a', title: 'A', timeout: 0 }],
      }),
    ).toEqual([
      'steps[0].timeout must not be less than 1',
      'buyer.phone must be a phone number (digits, optionally +, spaces, brackets, dashes)',
      'cart[1].price must be a number',
      'cart[1].discountRules[0].id is required',
    ]);
  });

  it('checks step ids are unique', () => {
    expect(
      messages({
        ...MINIMAL,
        steps: [
          { id: 'a', title: 'A' },
          { id: 'a', title: 'B' },
        ],
      }),
    ).toEqual(['steps must have unique ids']);
  });

  it('only allows delivery on prepare and ship tickets, and checks its conditional fields', () => {
    const delivery = { type: 'regular', provider: 'cdek' };
    expect(validateDto(CreateTicketDto, { ...MINIMAL, type: 'ship', delivery }).ok).toBe(true);
    expect(messages({ ...MINIMAL, type: 'receive', delivery })).toEqual(['delivery is only allowed when type is prepare or ship']);
    expect(messages({ ...MINIMAL, type: 'ship', delivery: { type: 'regular' } })).toEqual(['delivery.provider is required unless type is store']);
    expect(validateDto(CreateTicketDto, { ...MINIMAL, type: 'ship', delivery: { type: 'store' } }).ok).toBe(true);
    expect(messages({ ...MINIMAL, type: 'ship', delivery: { type: 'custom', provider: 'own' } })).toEqual([
      'delivery.customType is required when type is custom',
    ]);
    expect(messages({ ...MINIMAL, type: 'ship', delivery: { type: 'drone', provider: 'x' } })).toEqual([
      'delivery.type must be one of the following values: regular, express, store, custom',
    ]);
  });

  it('rejects negative money and a payment without paid', () => {
    expect(messages({ ...MINIMAL, finalPrice: -1 })).toEqual(['finalPrice must not be less than 0']);
    expect(messages({ ...MINIMAL, payment: { method: 'card' } })).toEqual(['payment.paid is required']);
    expect(messages({ ...MINIMAL, cart: [{ configurationId: 'x', quantity: 0, price: 1 }] })).toEqual(['cart[0].quantity must be greater than 0']);
  });
});
