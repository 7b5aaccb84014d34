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
} from './api-property-presets';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о создании заявки на отмену заказа, для DBS-магазинов (`OrderCancellationRequestNotificationDTO.yaml`). The shop must answer the request within 48 hours. */
export class OrderCancellationRequestNotificationDTO {
  @ApiProperty(notificationTypeProperty('ORDER_CANCELLATION_REQUEST'))
  @IsDefined(REQUIRED)
  @Equals('ORDER_CANCELLATION_REQUEST')
  notificationType: 'ORDER_CANCELLATION_REQUEST';

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

  @ApiProperty(dateTimeProperty('Дата и время создания заявки на отмену заказа.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  requestedAt: string;
}
