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
  tolerantEnumProperty,
} from './api-property-presets';
import { MARKET_RETURN_TYPES, type MarketReturnTypeValue } from './market-enums';
import { NotificationReturnItemDTO } from './notification-return-item.dto';
import { IsInt64, IsOffsetDateTime, IsTolerantEnumValue, ToInt64String } from './validators';

/** Уведомление о создании нового невыкупа или возврата (`OrderReturnCreatedNotificationDTO.yaml`). */
export class OrderReturnCreatedNotificationDTO {
  @ApiProperty(notificationTypeProperty('ORDER_RETURN_CREATED'))
  @IsDefined(REQUIRED)
  @Equals('ORDER_RETURN_CREATED')
  notificationType: 'ORDER_RETURN_CREATED';

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

  @ApiProperty(tolerantEnumProperty('Тип: невыкуп или возврат.', MARKET_RETURN_TYPES, 'RETURN'))
  @IsDefined(REQUIRED)
  @IsTolerantEnumValue()
  returnType: MarketReturnTypeValue;

  // `minimum: 1` comes from the shared CampaignId/BusinessId schemas.
  @ApiProperty(int64Property(CAMPAIGN_ID_DESCRIPTION, EXAMPLE_IDS.campaignId, { minimum: 1 }))
  @IsDefined(REQUIRED)
  @ToInt64String()
  @IsInt64({ min: 1 })
  campaignId: string;

  // The spec sets no minItems, so an empty list is accepted.
  @ApiProperty({ type: () => [NotificationReturnItemDTO], description: 'Список товаров в невыкупе или возврате.' })
  @IsDefined(REQUIRED)
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NotificationReturnItemDTO)
  items: NotificationReturnItemDTO[];

  @ApiProperty(dateTimeProperty('Дата и время создания невыкупа или возврата.'))
  @IsDefined(REQUIRED)
  @IsOffsetDateTime()
  createdAt: string;
}
