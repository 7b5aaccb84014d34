import { ApiProperty } from '@nestjs/swagger';
import { Equals, IsDefined } from 'class-validator';
import { BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS, REQUIRED, dateTimeProperty, int64Property, notificationTypeProperty } from './api-property-presets';
import { IsInt64, IsOffsetDateTime, ToInt64String } from './validators';

/** Уведомление о создании нового ответа на вопрос (`QuestionAnswerCreatedNotificationDTO.yaml`; official spec only). */
export class QuestionAnswerCreatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('QUESTION_ANSWER_CREATED'))
  @IsDefined(REQUIRED)
  @Equals('QUESTION_ANSWER_CREATED')
  notificationType: 'QUESTION_ANSWER_CREATED';

  @ApiProperty(int64Property('Идентификатор ответа.', EXAMPLE_IDS.answerId))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64()
  answerId: string;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(BUSINESS_ID_DESCRIPTION, EXAMPLE_IDS.businessId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  businessId: string;

  @ApiProperty(dateTimeProperty('Дата и время создания ответа.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  createdAt: string;
}
