import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import { BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS, REQUIRED, dateTimeProperty, int64Property, notificationTypeProperty } from './api-property-presets';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о создании нового вопроса (`QuestionCreatedNotificationDTO.yaml`; not in the seed, official spec only). */
export class QuestionCreatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('QUESTION_CREATED'))
  @IsDefined(REQUIRED)
  @Equals('QUESTION_CREATED')
  notificationType: 'QUESTION_CREATED';

  @ApiProperty(int64Property('Идентификатор вопроса.', EXAMPLE_IDS.questionId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  questionId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS.businessId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  businessId: string;

  @ApiProperty(dateTimeProperty('Дата и время создания вопроса.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  createdAt: string;
}
