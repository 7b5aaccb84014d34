import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import {
  CAMPAIGN_ID_DESCRIPTION,
  EXAMPLE_IDS,
  EXAMPLE_TIME_WITH_OFFSET,
  ORDER_ID_DESCRIPTION,
  REQUIRED,
  dateTimeProperty,
  int64Property,
  notificationTypeProperty,
  tolerantEnumProperty,
} from './api-property-presets';
import { MARKET_ORDER_STATUSES, MARKET_ORDER_SUBSTATUSES, type MarketOrderStatusValue, type MarketOrderSubstatusValue } from './market-enums';
import { IsInt64, IsOffsetDateTime, IsTolerantEnumValue, ToInt64String } from './validators';

/** Уведомление об изменении статуса заказа (`OrderStatusUpdatedNotificationDTO.yaml`). Both `status` and `substatus` are required. */
export class OrderStatusUpdatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('ORDER_STATUS_UPDATED'))
  @IsDefined(REQUIRED)
  @Equals('ORDER_STATUS_UPDATED')
  notificationType: 'ORDER_STATUS_UPDATED';

  @ApiProperty(int64Property(ORDER_ID_DESCRIPTION, EXAMPLE_IDS.orderId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  orderId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(CAMPAIGN_ID_DESCRIPTION, EXAMPLE_IDS.campaignId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  campaignId: string;

  @ApiProperty(tolerantEnumProperty('Статус заказа.', MARKET_ORDER_STATUSES, 'PROCESSING'))
  @IsDefined(REQUIRED)
  @IsTolerantEnumValue()
  status: MarketOrderStatusValue;

  @ApiProperty(tolerantEnumProperty('Этап обработки заказа (для PROCESSING) или причина отмены (для CANCELLED).', MARKET_ORDER_SUBSTATUSES, 'STARTED'))
  @IsDefined(REQUIRED)
  @IsTolerantEnumValue()
  substatus: MarketOrderSubstatusValue;

  @ApiProperty(dateTimeProperty('Дата и время изменения статуса заказа.', EXAMPLE_TIME_WITH_OFFSET))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  updatedAt: string;
}
