import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import {
  CAMPAIGN_ID_DESCRIPTION,
  EXAMPLE_IDS,
  ORDER_ID_DESCRIPTION,
  REQUIRED,
  dateTimeProperty,
  int64Property,
  notificationTypeProperty,
  tolerantEnumProperty,
} from './api-property-presets';
import { MARKET_ORDER_UPDATE_TYPES, type MarketOrderUpdateTypeValue } from './market-enums';
import { IsInt64, IsOffsetDateTime, IsTolerantEnumValue, ToInt64String } from './validators';

/** Уведомление об изменении заказа (`OrderUpdatedNotificationDTO.yaml`). */
export class OrderUpdatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('ORDER_UPDATED'))
  @IsDefined(REQUIRED)
  @Equals('ORDER_UPDATED')
  notificationType: 'ORDER_UPDATED';

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

  @ApiProperty(tolerantEnumProperty('Тип изменения заказа.', MARKET_ORDER_UPDATE_TYPES, 'DELIVERY_DATE_UPDATED'))
  @IsDefined(REQUIRED)
  @IsTolerantEnumValue()
  updateType: MarketOrderUpdateTypeValue;

  @ApiProperty(dateTimeProperty('Дата и время изменения заказа.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  updatedAt: string;
}
