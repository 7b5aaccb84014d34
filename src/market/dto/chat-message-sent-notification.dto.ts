import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined, IsString } from 'class-validator';
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

/** Уведомление о новом сообщении в чате (`ChatMessageSentNotificationDTO.yaml`). Not sent for sticker messages. */
export class ChatMessageSentNotificationDTO {
  @ApiProperty(notificationTypeProperty('CHAT_MESSAGE_SENT'))
  @IsDefined(REQUIRED)
  @Equals('CHAT_MESSAGE_SENT')
  notificationType: 'CHAT_MESSAGE_SENT';

  @ApiProperty(int64Property(CHAT_ID_DESCRIPTION, EXAMPLE_IDS.chatId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  chatId: string;

  // Plain `string` in the spec (unlike chatId, not an int64), so it is kept verbatim.
  @ApiProperty({ type: 'string', description: 'Идентификатор сообщения.', example: '987654321' })
  @IsDefined(REQUIRED)
  @IsString()
  messageId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS.businessId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  businessId: string;

  @ApiProperty(dateTimeProperty('Дата и время отправки сообщения.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  sentAt: string;
}
