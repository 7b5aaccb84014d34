import { PageQuery } from '../../common/page';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { DELIVERY_STATES } from '../delivery.entity';

/** The states a delivery can be in, for the readers that filter by them. */
export { DELIVERY_STATES };

export class ListDeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATES, example: 'dead' })
  @IsOptional()
  @IsIn(DELIVERY_STATES)
  state?: string;

  @ApiPropertyOptional({
    example: 'imshop',
    description: 'imshop, market, or a Market-loop job target (market_cancel, market_fetch, imshop_prepare, imshop_withdraw)',
  })
  @IsOptional()
  @Matches(/^[a-z_]{1,16}$/, { message: 'target must be a delivery target name such as imshop or market' })
  target?: string;

  @ApiPropertyOptional({ example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10' })
  @IsOptional()
  @IsUUID()
  orderId?: string;
}
