import type { OrderStatus } from '../orders/order-status';

export interface InboundDefault {
  source: 'market' | 'imshop_ticket' | 'oms';
  ticketType?: string;
  externalCode: string;
  externalSubstatus?: string;
  /** null: a known code that is recorded in history but leaves the status as it is. */
  internalStatus: OrderStatus | null;
  attention?: boolean;
}

export interface OutboundDefault {
  target: 'imshop';
  internalStatus: OrderStatus;
  code: string;
  message: string;
}

/**
 * The defaults of DESIGN.md, as seeded by the migration `SeedDefaultStatusMappings`. This list is a
 * snapshot taken by that migration: change defaults with a new migration, not by editing it.
 */
export const DEFAULT_INBOUND_MAPPINGS: InboundDefault[] = [
  ...(['PLACING', 'RESERVED', 'UNPAID', 'PENDING'] as const).map((code) => ({ source: 'market' as const, externalCode: code, internalStatus: 'NEW' as const })),
  { source: 'market', externalCode: 'PROCESSING', internalStatus: 'PROCESSING' },
  { source: 'market', externalCode: 'PROCESSING', externalSubstatus: 'STARTED', internalStatus: 'PROCESSING' },
  { source: 'market', externalCode: 'PROCESSING', externalSubstatus: 'READY_TO_SHIP', internalStatus: 'READY_TO_SHIP' },
  { source: 'market', externalCode: 'DELIVERY', internalStatus: 'SHIPPED' },
  { source: 'market', externalCode: 'PICKUP', internalStatus: 'READY_FOR_PICKUP' },
  { source: 'market', externalCode: 'DELIVERED', internalStatus: 'DELIVERED' },
  { source: 'market', externalCode: 'CANCELLED', internalStatus: 'CANCELLED' },
  { source: 'market', externalCode: 'PARTIALLY_RETURNED', internalStatus: 'PARTIALLY_RETURNED' },
  { source: 'market', externalCode: 'RETURNED', internalStatus: 'RETURNED' },

  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'done', internalStatus: 'READY_TO_SHIP' },
  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'partiallyDone', internalStatus: 'PARTIALLY_READY' },
  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'failed', internalStatus: 'ASSEMBLY_FAILED' },
  { source: 'imshop_ticket', ticketType: 'ship', externalCode: 'shipped', internalStatus: 'SHIPPED' },
  { source: 'imshop_ticket', ticketType: 'ship', externalCode: 'partiallyShipped', internalStatus: 'PARTIALLY_SHIPPED' },
  { source: 'imshop_ticket', ticketType: 'ship', externalCode: 'failed', internalStatus: null },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'received', internalStatus: 'READY_FOR_PICKUP' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'handedOver', internalStatus: 'DELIVERED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'partiallyHandedOver', internalStatus: 'PARTIALLY_DELIVERED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'notHandedOver', internalStatus: 'NOT_REDEEMED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'returned', internalStatus: 'RETURNED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'partiallyReturned', internalStatus: 'PARTIALLY_RETURNED' },
  { source: 'imshop_ticket', ticketType: 'receive', externalCode: 'failed', internalStatus: null },
  { source: 'imshop_ticket', ticketType: 'release', externalCode: 'released', internalStatus: 'PROCESSING' },
  { source: 'imshop_ticket', ticketType: 'release', externalCode: 'failed', internalStatus: null },
  { source: 'imshop_ticket', ticketType: 'cancel', externalCode: 'cancelled', internalStatus: null },
  // Valid for every ticket type (no ticketType = any).
  { source: 'imshop_ticket', externalCode: 'not-accepted', internalStatus: null, attention: true },
  { source: 'imshop_ticket', externalCode: 'timeout', internalStatus: null, attention: true },
  { source: 'imshop_ticket', externalCode: 'advance', internalStatus: null },

  { source: 'oms', externalCode: 'placed', internalStatus: 'NEW' },
  { source: 'oms', externalCode: 'processing', internalStatus: 'PROCESSING' },
  { source: 'oms', externalCode: 'ready_to_dispatch', internalStatus: 'READY_TO_SHIP' },
  { source: 'oms', externalCode: 'dispatched', internalStatus: 'SHIPPED' },
  { source: 'oms', externalCode: 'ready_for_pickup', internalStatus: 'READY_FOR_PICKUP' },
  { source: 'oms', externalCode: 'delivered', internalStatus: 'DELIVERED' },
  { source: 'oms', externalCode: 'done', internalStatus: 'DELIVERED' },
  { source: 'oms', externalCode: 'closed', internalStatus: 'NOT_REDEEMED' },
  { source: 'oms', externalCode: 'canceled', internalStatus: 'CANCELLED' },
  { source: 'oms', externalCode: 'cancelled', internalStatus: 'CANCELLED' },
];

/** Outbound codes default to IMSHOP's own status names; messages are what the buyer reads in the app. */
export const DEFAULT_OUTBOUND_MAPPINGS: OutboundDefault[] = [
  { target: 'imshop', internalStatus: 'NEW', code: 'placed', message: 'Заказ оформлен' },
  { target: 'imshop', internalStatus: 'PROCESSING', code: 'processing', message: 'Заказ собирается' },
  { target: 'imshop', internalStatus: 'PARTIALLY_READY', code: 'processing', message: 'Заказ собирается' },
  { target: 'imshop', internalStatus: 'ASSEMBLY_FAILED', code: 'processing', message: 'Заказ в обработке' },
  { target: 'imshop', internalStatus: 'READY_TO_SHIP', code: 'ready_to_dispatch', message: 'Заказ собран и готов к отправке' },
  { target: 'imshop', internalStatus: 'SHIPPED', code: 'dispatched', message: 'Заказ передан в доставку' },
  { target: 'imshop', internalStatus: 'PARTIALLY_SHIPPED', code: 'dispatched', message: 'Заказ передан в доставку' },
  { target: 'imshop', internalStatus: 'READY_FOR_PICKUP', code: 'ready_for_pickup', message: 'Готов к выдаче' },
  { target: 'imshop', internalStatus: 'DELIVERED', code: 'done', message: 'Заказ получен' },
  { target: 'imshop', internalStatus: 'PARTIALLY_DELIVERED', code: 'done', message: 'Заказ получен частично' },
  { target: 'imshop', internalStatus: 'NOT_REDEEMED', code: 'closed', message: 'Заказ не выкуплен' },
  { target: 'imshop', internalStatus: 'RETURNED', code: 'closed', message: 'Заказ возвращён' },
  { target: 'imshop', internalStatus: 'PARTIALLY_RETURNED', code: 'closed', message: 'Заказ возвращён частично' },
  { target: 'imshop', internalStatus: 'CANCELLED', code: 'canceled', message: 'Заказ отменён' },
];
