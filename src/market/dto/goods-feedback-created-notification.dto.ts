import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import { BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS, REQUIRED, dateTimeProperty, int64Property, notificationTypeProperty } from './api-property-presets';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о создании нового отзыва о товаре (`GoodsFeedbackCreatedNotificationDTO.yaml`). Sent only once the review passed moderation and was published. */
export class GoodsFeedbackCreatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('GOODS_FEEDBACK_CREATED'))
  @IsDefined(REQUIRED)
  @Equals('GOODS_FEEDBACK_CREATED')
  notificationType: 'GOODS_FEEDBACK_CREATED';

  @ApiProperty(int64Property('Идентификатор отзыва.', EXAMPLE_IDS.feedbackId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  feedbackId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS.businessId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  businessId: string;

  @ApiProperty(dateTimeProperty('Дата и время создания отзыва (может отличаться от publishedAt из-за модерации).'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  createdAt: string;

  @ApiProperty(dateTimeProperty('Дата и время публикации отзыва.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  publishedAt: string;
}
