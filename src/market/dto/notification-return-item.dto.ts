import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt } from 'class-validator';
import { REQUIRED } from './api-property-presets';
import { SHOP_SKU_DESCRIPTION } from './notification-order-item.dto';
import { IsShopSku } from './validators';

/** One line of a return or unredeemed order in ORDER_RETURN_CREATED (`NotificationReturnItemDTO.yaml`). */
export class NotificationReturnItemDTO {
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

  @ApiProperty({ type: 'integer', description: 'Количество товара.', example: 1 })
  @IsDefined(REQUIRED)
  @IsInt()
  count: number;
}
