import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import {
  BUSINESS_ID_DESCRIPTION,
  CHAT_ID_DESCRIPTION,
  EXAMPLE_IDS,
  REQUIRED,
  dateTimeProperty,
  int64Property,
  notificationTypeProperty,
} from './api-property-presets';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о создании нового чата с покупателем (`ChatCreatedNotificationDTO.yaml`). Sent for every chat type. */
export class ChatCreatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('CHAT_CREATED'))
  @IsDefined(REQUIRED)
  @Equals('CHAT_CREATED')
  notificationType: 'CHAT_CREATED';

  @ApiProperty(int64Property(CHAT_ID_DESCRIPTION, EXAMPLE_IDS.chatId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  chatId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS.businessId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  businessId: string;

  @ApiProperty(dateTimeProperty('Дата и время создания чата.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  createdAt: string;
}
