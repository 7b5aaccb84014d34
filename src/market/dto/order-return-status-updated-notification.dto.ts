import { Type } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined, IsObject, ValidateNested } from 'class-validator';
import {
  CAMPAIGN_ID_DESCRIPTION,
  EXAMPLE_IDS,
  ORDER_ID_DESCRIPTION,
  REQUIRED,
  dateTimeProperty,
  int64Property,
  notificationTypeProperty,
} from './api-property-presets';
import { NotificationUpdatedReturnStatusesDTO } from './notification-updated-return-statuses.dto';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о смене статуса невыкупа или возврата (`OrderReturnStatusUpdatedNotificationDTO.yaml`). */
export class OrderReturnStatusUpdatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('ORDER_RETURN_STATUS_UPDATED'))
  @IsDefined(REQUIRED)
  @Equals('ORDER_RETURN_STATUS_UPDATED')
  notificationType: 'ORDER_RETURN_STATUS_UPDATED';

  @ApiProperty(int64Property(ORDER_ID_DESCRIPTION, EXAMPLE_IDS.orderId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  orderId: string;

  @ApiProperty(int64Property('Идентификатор невыкупа или возврата.', EXAMPLE_IDS.returnId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  returnId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(CAMPAIGN_ID_DESCRIPTION, EXAMPLE_IDS.campaignId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  campaignId: string;

  @ApiProperty({
    type: () => NotificationUpdatedReturnStatusesDTO,
    description: 'Изменившийся статус невыкупа или возврата: приходит только тот статус, который изменился.',
  })
  @IsDefined(REQUIRED)
  @IsObject()
  @ValidateNested()
  @Type(() => NotificationUpdatedReturnStatusesDTO)
  statuses: NotificationUpdatedReturnStatusesDTO;

  @ApiProperty(dateTimeProperty('Дата и время изменения статуса невыкупа или возврата.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  updatedAt: string;
}
