import { Type } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsArray, IsDefined, ValidateNested } from 'class-validator';
import {
  CAMPAIGN_ID_DESCRIPTION,
  EXAMPLE_IDS,
  ORDER_ID_DESCRIPTION,
  REQUIRED,
  dateTimeProperty,
  int64Property,
  notificationTypeProperty,
} from './api-property-presets';
import { NotificationOrderItemDTO } from './notification-order-item.dto';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление об отмене заказа (`OrderCancelledNotificationDTO.yaml`). */
export class OrderCancelledNotificationDTO {
  @ApiProperty(notificationTypeProperty('ORDER_CANCELLED'))
  @IsDefined(REQUIRED)
  @Equals('ORDER_CANCELLED')
  notificationType: 'ORDER_CANCELLED';

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

  // The spec sets no minItems, so an empty list is accepted.
  @ApiProperty({ type: () => [NotificationOrderItemDTO], description: 'Список товаров в заказе.' })
  @IsDefined(REQUIRED)
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NotificationOrderItemDTO)
  items: NotificationOrderItemDTO[];

  @ApiProperty(dateTimeProperty('Дата и время отмены заказа.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  cancelledAt: string;
}
