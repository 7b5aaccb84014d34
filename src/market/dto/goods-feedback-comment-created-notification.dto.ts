import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import { BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS, REQUIRED, dateTimeProperty, int64Property, notificationTypeProperty } from './api-property-presets';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о создании нового комментария к отзыву (`GoodsFeedbackCommentCreatedNotificationDTO.yaml`). */
export class GoodsFeedbackCommentCreatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('GOODS_FEEDBACK_COMMENT_CREATED'))
  @IsDefined(REQUIRED)
  @Equals('GOODS_FEEDBACK_COMMENT_CREATED')
  notificationType: 'GOODS_FEEDBACK_COMMENT_CREATED';

  @ApiProperty(int64Property('Идентификатор комментария к отзыву.', EXAMPLE_IDS.commentId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  commentId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS.businessId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  businessId: string;

  @ApiProperty(dateTimeProperty('Дата и время создания комментария.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  createdAt: string;
}
