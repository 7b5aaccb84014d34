/**
 * Known enum values, copied from the official OpenAPI description
 * (yandex-market/yandex-market-notification-api, components/schemas/*.yaml).
 *
 * They document and type the values we know about; validation does NOT restrict fields to them, because
 * Market adds values without notice and asks integrations to tolerate unknown ones. Each `…Value` type
 * keeps autocompletion for known values while still admitting any other string.
 */

/** Every notification type in the official spec (the seed lists the first 14; the QUESTION_* types are newer). Source: `NotificationType.yaml`. */
export const MARKET_NOTIFICATION_TYPES = [
  'PING',
  'ORDER_CREATED',
  'ORDER_CANCELLED',
  'ORDER_STATUS_UPDATED',
  'ORDER_RETURN_CREATED',
  'ORDER_CANCELLATION_REQUEST',
  'ORDER_RETURN_STATUS_UPDATED',
  'ORDER_UPDATED',
  'GOODS_FEEDBACK_CREATED',
  'GOODS_FEEDBACK_COMMENT_CREATED',
  'CHAT_CREATED',
  'CHAT_MESSAGE_SENT',
  'CHAT_ARBITRAGE_STARTED',
  'CHAT_ARBITRAGE_FINISHED',
  'QUESTION_CREATED',
  'QUESTION_ANSWER_CREATED',
  'QUESTION_COMMENT_CREATED',
] as const;
export type MarketNotificationType = (typeof MARKET_NOTIFICATION_TYPES)[number];

/** Order statuses. Market: "other values may be returned; you need not process them". Source: `OrderStatusType.yaml`. */
export const MARKET_ORDER_STATUSES = [
  'PLACING',
  'RESERVED',
  'UNPAID',
  'PROCESSING',
  'DELIVERY',
  'PICKUP',
  'DELIVERED',
  'CANCELLED',
  'PENDING',
  'PARTIALLY_RETURNED',
  'RETURNED',
  'UNKNOWN',
] as const;
export type MarketOrderStatus = (typeof MARKET_ORDER_STATUSES)[number];
export type MarketOrderStatusValue = MarketOrderStatus | (string & {});

/** Order substatuses (processing stage or cancellation reason). Market may send others. Source: `OrderSubstatusType.yaml`. */
export const MARKET_ORDER_SUBSTATUSES = [
  'RESERVATION_EXPIRED',
  'USER_NOT_PAID',
  'USER_UNREACHABLE',
  'USER_CHANGED_MIND',
  'USER_REFUSED_DELIVERY',
  'USER_REFUSED_PRODUCT',
  'SHOP_FAILED',
  'USER_REFUSED_QUALITY',
  'REPLACING_ORDER',
  'PROCESSING_EXPIRED',
  'PENDING_EXPIRED',
  'SHOP_PENDING_CANCELLED',
  'PENDING_CANCELLED',
  'USER_FRAUD',
  'RESERVATION_FAILED',
  'USER_PLACED_OTHER_ORDER',
  'USER_BOUGHT_CHEAPER',
  'MISSING_ITEM',
  'BROKEN_ITEM',
  'WRONG_ITEM',
  'PICKUP_EXPIRED',
  'DELIVERY_PROBLEMS',
  'LATE_CONTACT',
  'CUSTOM',
  'DELIVERY_SERVICE_FAILED',
  'WAREHOUSE_FAILED_TO_SHIP',
  'DELIVERY_SERVICE_UNDELIVERED',
  'PREORDER',
  'AWAIT_CONFIRMATION',
  'STARTED',
  'PACKAGING',
  'READY_TO_SHIP',
  'SHIPPED',
  'ASYNC_PROCESSING',
  'WAITING_USER_INPUT',
  'WAITING_BANK_DECISION',
  'BANK_REJECT_CREDIT_OFFER',
  'CUSTOMER_REJECT_CREDIT_OFFER',
  'CREDIT_OFFER_FAILED',
  'AWAIT_DELIVERY_DATES_CONFIRMATION',
  'SERVICE_FAULT',
  'DELIVERY_SERVICE_RECEIVED',
  'USER_RECEIVED',
  'WAITING_FOR_STOCKS',
  'AS_PART_OF_MULTI_ORDER',
  'READY_FOR_LAST_MILE',
  'LAST_MILE_STARTED',
  'ANTIFRAUD',
  'DELIVERY_USER_NOT_RECEIVED',
  'DELIVERY_SERVICE_DELIVERED',
  'DELIVERED_USER_NOT_RECEIVED',
  'USER_WANTED_ANOTHER_PAYMENT_METHOD',
  'USER_RECEIVED_TECHNICAL_ERROR',
  'USER_FORGOT_TO_USE_BONUS',
  'DELIVERY_SERVICE_NOT_RECEIVED',
  'DELIVERY_SERVICE_LOST',
  'SHIPPED_TO_WRONG_DELIVERY_SERVICE',
  'DELIVERED_USER_RECEIVED',
  'WAITING_TINKOFF_DECISION',
  'COURIER_SEARCH',
  'COURIER_FOUND',
  'COURIER_IN_TRANSIT_TO_SENDER',
  'COURIER_ARRIVED_TO_SENDER',
  'COURIER_RECEIVED',
  'COURIER_NOT_FOUND',
  'COURIER_NOT_DELIVER_ORDER',
  'COURIER_RETURNS_ORDER',
  'COURIER_RETURNED_ORDER',
  'WAITING_USER_DELIVERY_INPUT',
  'PICKUP_SERVICE_RECEIVED',
  'PICKUP_USER_RECEIVED',
  'CANCELLED_COURIER_NOT_FOUND',
  'COURIER_NOT_COME_FOR_ORDER',
  'DELIVERY_NOT_MANAGED_REGION',
  'INCOMPLETE_CONTACT_INFORMATION',
  'INCOMPLETE_MULTI_ORDER',
  'INAPPROPRIATE_WEIGHT_SIZE',
  'TECHNICAL_ERROR',
  'SORTING_CENTER_LOST',
  'COURIER_SEARCH_NOT_STARTED',
  'LOST',
  'AWAIT_PAYMENT',
  'AWAIT_LAVKA_RESERVATION',
  'USER_WANTS_TO_CHANGE_ADDRESS',
  'FULL_NOT_RANSOM',
  'PRESCRIPTION_MISMATCH',
  'DROPOFF_LOST',
  'DROPOFF_CLOSED',
  'DELIVERY_TO_STORE_STARTED',
  'USER_WANTS_TO_CHANGE_DELIVERY_DATE',
  'WRONG_ITEM_DELIVERED',
  'DAMAGED_BOX',
  'AWAIT_DELIVERY_DATES',
  'LAST_MILE_COURIER_SEARCH',
  'PICKUP_POINT_CLOSED',
  'LEGAL_INFO_CHANGED',
  'USER_HAS_NO_TIME_TO_PICKUP_ORDER',
  'DELIVERY_CUSTOMS_ARRIVED',
  'DELIVERY_CUSTOMS_CLEARED',
  'FIRST_MILE_DELIVERY_SERVICE_RECEIVED',
  'AWAIT_AUTO_DELIVERY_DATES',
  'AWAIT_USER_PERSONAL_DATA',
  'NO_PERSONAL_DATA_EXPIRED',
  'CUSTOMS_PROBLEMS',
  'AWAIT_CASHIER',
  'WAITING_POSTPAID_BUDGET_RESERVATION',
  'AWAIT_SERVICEABLE_CONFIRMATION',
  'POSTPAID_BUDGET_RESERVATION_FAILED',
  'AWAIT_CUSTOM_PRICE_CONFIRMATION',
  'READY_FOR_PICKUP',
  'TOO_MANY_DELIVERY_DATE_CHANGES',
  'TOO_LONG_DELIVERY',
  'DEFERRED_PAYMENT',
  'POSTPAID_FAILED',
  'INCORRECT_PERSONAL_DATA',
  'CUSTOMS_FAILED_MARKET',
  'CUSTOMS_FAILED_USER_COMMERCIAL_ITEMS',
  'CUSTOMS_FAILED_USER_DUTY_NOT_PAID',
  'CUSTOMS_FAILED_USER_INVALID_PERSONAL_DATA',
  'CUSTOMS_FAILED_USER_ADDITIONAL_DATA_NOT_PROVIDED',
  'AWAIT_PAYMENT_AFTER_DELIVERY',
  'AWAIT_USER_STEAM_FAST_URL',
  'UNKNOWN',
] as const;
export type MarketOrderSubstatus = (typeof MARKET_ORDER_SUBSTATUSES)[number];
export type MarketOrderSubstatusValue = MarketOrderSubstatus | (string & {});

/** What changed in an ORDER_UPDATED notification. Source: `OrderUpdateType.yaml`. */
export const MARKET_ORDER_UPDATE_TYPES = ['SHIPMENT_DATE_UPDATED', 'DELIVERY_DATE_UPDATED', 'UNKNOWN'] as const;
export type MarketOrderUpdateType = (typeof MARKET_ORDER_UPDATE_TYPES)[number];
export type MarketOrderUpdateTypeValue = MarketOrderUpdateType | (string & {});

/** UNREDEEMED = the buyer never collected the order (невыкуп); RETURN = a return after receipt. Source: `ReturnType.yaml`. */
export const MARKET_RETURN_TYPES = ['UNREDEEMED', 'RETURN'] as const;
export type MarketReturnType = (typeof MARKET_RETURN_TYPES)[number];
export type MarketReturnTypeValue = MarketReturnType | (string & {});

/** Refund status of a return (`statuses.refundStatus`). Source: `RefundStatusType.yaml`. */
export const MARKET_REFUND_STATUSES = [
  'STARTED_BY_USER',
  'REFUND_IN_PROGRESS',
  'REFUNDED',
  'FAILED',
  'WAITING_FOR_DECISION',
  'DECISION_MADE',
  'REFUNDED_WITH_BONUSES',
  'REFUNDED_BY_SHOP',
  'CANCELLED',
  'REJECTED',
  'COMPLETE_WITHOUT_REFUND',
  'PREMODERATION_DISPUTE',
  'PREMODERATION_DECISION_WAITING',
  'PREMODERATION_DECISION_MADE',
  'PREMODERATION_SELECT_DELIVERY',
  'UNKNOWN',
] as const;
export type MarketRefundStatus = (typeof MARKET_REFUND_STATUSES)[number];
export type MarketRefundStatusValue = MarketRefundStatus | (string & {});

/** Shipment status of a return or unredeemed order (`statuses.shipmentStatus`). Source: `ReturnShipmentStatusType.yaml`. */
export const MARKET_RETURN_SHIPMENT_STATUSES = [
  'CREATED',
  'RECEIVED',
  'IN_TRANSIT',
  'READY_FOR_PICKUP',
  'PICKED',
  'LOST',
  'EXPIRED',
  'CANCELLED',
  'FULFILMENT_RECEIVED',
  'PREPARED_FOR_UTILIZATION',
  'NOT_IN_DEMAND',
  'UTILIZED',
  'READY_FOR_EXPROPRIATION',
  'RECEIVED_FOR_EXPROPRIATION',
  'UNKNOWN',
] as const;
export type MarketReturnShipmentStatus = (typeof MARKET_RETURN_SHIPMENT_STATUSES)[number];
export type MarketReturnShipmentStatusValue = MarketReturnShipmentStatus | (string & {});

/** Error types our 400/500 answers may carry. Source: `NotificationApiErrorType.yaml`. */
export const MARKET_NOTIFICATION_ERROR_TYPES = ['UNKNOWN', 'WRONG_EVENT_FORMAT', 'DUPLICATED_EVENT'] as const;
export type MarketNotificationErrorType = (typeof MARKET_NOTIFICATION_ERROR_TYPES)[number];
