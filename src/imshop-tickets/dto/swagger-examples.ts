import { exampleOf } from '../../common/swagger-example';
import { CreateTicketDto } from './create-ticket.dto';

/** Request examples for Swagger, taken from seed 000 and IMSHOP's newer documentation. */

export const TICKET_STATUS_EXAMPLES = {
  seed: {
    summary: 'Seed 000: prepare ticket done',
    value: {
      ticketId: 'rsp-12345',
      orderId: 'a7878969',
      storeId: '1456',
      staffId: '12393',
      status: 'done',
      comment: null,
      metadata: { timestamp: '1591207746' },
    },
  },
  shipped: {
    summary: 'ship ticket shipped, with tracking number and waybill',
    value: {
      ticketId: 'rsp-12346',
      orderId: 'a7878969',
      storeId: '1456',
      staffId: '12393',
      status: 'shipped',
      comment: null,
      metadata: { timestamp: 1591211346, deliveryTrackingNumber: '1234567890', deliveryOrderId: 'CDEK-1029384756' },
    },
  },
  partiallyDone: {
    summary: 'prepare ticket partiallyDone, with unavailable items and the assembled cart',
    value: {
      ticketId: 'rsp-12345',
      orderId: 'a7878969',
      storeId: '1456',
      staffId: '12393',
      status: 'partiallyDone',
      comment: 'Нет одной позиции',
      metadata: {
        timestamp: '1591207746',
        unavailableItems: [{ configurationId: '12345', quantity: 1 }],
        cart: [{ configurationId: '12346', datamatrix: '0000' }],
      },
    },
  },
  advance: {
    summary: 'Newer documentation: advance to the next step',
    value: {
      ticketId: 'rsp-12345',
      orderId: 'a7878969',
      storeId: '1456',
      staffId: '12393',
      status: 'advance',
      step: 'pack-order',
      comment: null,
      metadata: { timestamp: '1591207700' },
    },
  },
  bodyKey: {
    summary: 'Key in the body instead of Authorization: Bearer',
    value: {
      key: 'imshop-api-key',
      ticketId: 'rsp-12345',
      orderId: 'a7878969',
      storeId: '1456',
      status: 'not-accepted',
      metadata: { timestamp: '1591207000' },
    },
  },
};

export const CREATE_TICKET_EXAMPLES = {
  prepare: { summary: 'prepare (IMSHOP documentation example)', value: exampleOf(CreateTicketDto) },
  receive: { summary: 'receive, minimal', value: { type: 'receive', orderId: 'a-12345', storeId: '16784' } },
  cancel: {
    summary: 'cancel an earlier ticket',
    value: { type: 'cancel', orderId: 'a-12345', storeId: '16784', ticketId: 'rsp-1746761', comment: 'Покупатель отменил заказ' },
  },
};
