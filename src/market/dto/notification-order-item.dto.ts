import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt } from 'class-validator';
import { REQUIRED } from './api-property-presets';
import { IsShopSku } from './validators';

export const SHOP_SKU_DESCRIPTION =
  'Ваш SKU — идентификатор товара в вашей системе: 1–255 символов, не только пробелы, без управляющих символов (табуляция допустима).';

/** One line of an order in ORDER_CREATED / ORDER_CANCELLED (`NotificationOrderItemDTO.yaml`). */
export class NotificationOrderItemDTO {
  @ApiProperty({
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: '^(?=.*\\S.*)[^\\x00-\\x08\\x0A-\\x1f\\x7f]{1,255}$',
    description: SHOP_SKU_DESCRIPTION,
    example: 'SKU-12345',
  })
  @IsDefined(REQUIRED)
  @IsShopSku()
  offerId: string;

  // The spec declares a plain `integer` with no minimum, so zero or negative counts are not refused here.
  @ApiProperty({ type: 'integer', description: 'Количество товара.', example: 2 })
  @IsDefined(REQUIRED)
  @IsInt()
  count: number;
}
