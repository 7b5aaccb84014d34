import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsDefined, IsOptional } from 'class-validator';
import { REQUIRED, dateTimeProperty, notificationTypeProperty } from './api-property-presets';
import { IsOffsetDateTime } from './validators';

/** Проверочное уведомление (`PingNotificationDTO.yaml`). Market expects the answer within 1 second. */
export class PingNotificationDTO {
  @ApiProperty(notificationTypeProperty('PING'))
  @IsDefined(REQUIRED)
  @Equals('PING')
  notificationType: 'PING';

  // Optional: the spec does not list `time` as required for PING.
  @ApiPropertyOptional(dateTimeProperty('Дата и время обработки уведомления со стороны магазина (формулировка спецификации).'))
  @IsOptional()
  @IsOffsetDateTime()
  time?: string;
}
