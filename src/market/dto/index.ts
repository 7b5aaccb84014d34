import { ChatArbitrageFinishedNotificationDTO } from './chat-arbitrage-finished-notification.dto';
import { ChatArbitrageStartedNotificationDTO } from './chat-arbitrage-started-notification.dto';
import { ChatCreatedNotificationDTO } from './chat-created-notification.dto';
import { ChatMessageSentNotificationDTO } from './chat-message-sent-notification.dto';
import { GoodsFeedbackCommentCreatedNotificationDTO } from './goods-feedback-comment-created-notification.dto';
import { GoodsFeedbackCreatedNotificationDTO } from './goods-feedback-created-notification.dto';
import { OrderCancellationRequestNotificationDTO } from './order-cancellation-request-notification.dto';
import { OrderCancelledNotificationDTO } from './order-cancelled-notification.dto';
import { OrderCreatedNotificationDTO } from './order-created-notification.dto';
import { OrderReturnCreatedNotificationDTO } from './order-return-created-notification.dto';
import { OrderReturnStatusUpdatedNotificationDTO } from './order-return-status-updated-notification.dto';
import { OrderStatusUpdatedNotificationDTO } from './order-status-updated-notification.dto';
import { OrderUpdatedNotificationDTO } from './order-updated-notification.dto';
import { PingNotificationDTO } from './ping-notification.dto';
import { QuestionAnswerCreatedNotificationDTO } from './question-answer-created-notification.dto';
import { QuestionCommentCreatedNotificationDTO } from './question-comment-created-notification.dto';
import { QuestionCreatedNotificationDTO } from './question-created-notification.dto';
import type { MarketNotificationType } from './market-enums';

export { ChatArbitrageFinishedNotificationDTO } from './chat-arbitrage-finished-notification.dto';
export { ChatArbitrageStartedNotificationDTO } from './chat-arbitrage-started-notification.dto';
export { ChatCreatedNotificationDTO } from './chat-created-notification.dto';
export { ChatMessageSentNotificationDTO } from './chat-message-sent-notification.dto';
export { GoodsFeedbackCommentCreatedNotificationDTO } from './goods-feedback-comment-created-notification.dto';
export { GoodsFeedbackCreatedNotificationDTO } from './goods-feedback-created-notification.dto';
export { OrderCancellationRequestNotificationDTO } from './order-cancellation-request-notification.dto';
export { OrderCancelledNotificationDTO } from './order-cancelled-notification.dto';
export { OrderCreatedNotificationDTO } from './order-created-notification.dto';
export { OrderReturnCreatedNotificationDTO } from './order-return-created-notification.dto';
export { OrderReturnStatusUpdatedNotificationDTO } from './order-return-status-updated-notification.dto';
export { OrderStatusUpdatedNotificationDTO } from './order-status-updated-notification.dto';
export { OrderUpdatedNotificationDTO } from './order-updated-notification.dto';
export { PingNotificationDTO } from './ping-notification.dto';
export { QuestionAnswerCreatedNotificationDTO } from './question-answer-created-notification.dto';
export { QuestionCommentCreatedNotificationDTO } from './question-comment-created-notification.dto';
export { QuestionCreatedNotificationDTO } from './question-created-notification.dto';
export * from './notification-order-item.dto';
export * from './notification-return-item.dto';
export * from './notification-updated-return-statuses.dto';
export * from './market-enums';
export * from './validators';
export * from './date-time';

/** The DTO class that validates each known notification type (the `discriminator.mapping` of the spec). */
export const MARKET_NOTIFICATION_DTO_CLASSES = {
  PING: PingNotificationDTO,
  ORDER_CREATED: OrderCreatedNotificationDTO,
  ORDER_CANCELLED: OrderCancelledNotificationDTO,
  ORDER_STATUS_UPDATED: OrderStatusUpdatedNotificationDTO,
  ORDER_RETURN_CREATED: OrderReturnCreatedNotificationDTO,
  ORDER_CANCELLATION_REQUEST: OrderCancellationRequestNotificationDTO,
  ORDER_RETURN_STATUS_UPDATED: OrderReturnStatusUpdatedNotificationDTO,
  ORDER_UPDATED: OrderUpdatedNotificationDTO,
  GOODS_FEEDBACK_CREATED: GoodsFeedbackCreatedNotificationDTO,
  GOODS_FEEDBACK_COMMENT_CREATED: GoodsFeedbackCommentCreatedNotificationDTO,
  CHAT_CREATED: ChatCreatedNotificationDTO,
  CHAT_MESSAGE_SENT: ChatMessageSentNotificationDTO,
  CHAT_ARBITRAGE_STARTED: ChatArbitrageStartedNotificationDTO,
  CHAT_ARBITRAGE_FINISHED: ChatArbitrageFinishedNotificationDTO,
  QUESTION_CREATED: QuestionCreatedNotificationDTO,
  QUESTION_ANSWER_CREATED: QuestionAnswerCreatedNotificationDTO,
  QUESTION_COMMENT_CREATED: QuestionCommentCreatedNotificationDTO,
} as const satisfies Record<MarketNotificationType, new () => object>;

export type MarketNotificationDtoByType = {
  [Type in MarketNotificationType]: InstanceType<(typeof MARKET_NOTIFICATION_DTO_CLASSES)[Type]>;
};

/** Any validated, known Market notification; narrow it with `notificationType`. */
export type MarketNotificationDto = MarketNotificationDtoByType[MarketNotificationType];
