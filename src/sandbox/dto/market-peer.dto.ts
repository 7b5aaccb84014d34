import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';

/** `OrderStatusChangeDTO`: the status (and substatus) the shop sets. */
export class MarketOrderStatusChangeDto {
  @ApiProperty({ example: 'PROCESSING' })
  @IsString()
  @IsNotEmpty()
  status: string;

  @ApiPropertyOptional({ example: 'READY_TO_SHIP' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  substatus?: string;
}

/** `UpdateOrderStatusRequest` of `PUT v2/campaigns/{campaignId}/orders/{orderId}/status`. */
export class MarketUpdateOrderStatusDto {
  @ApiProperty({ type: () => MarketOrderStatusChangeDto })
  @IsObject()
  @ValidateNested()
  @Type(() => MarketOrderStatusChangeDto)
  order: MarketOrderStatusChangeDto;
}

/** `AcceptOrderCancellationRequest`. */
export class MarketAcceptCancellationDto {
  @ApiProperty({ example: true, description: 'true: the order is cancelled; false: refused, with a reason.' })
  @IsBoolean()
  accepted: boolean;

  @ApiPropertyOptional({ enum: ['ORDER_DELIVERED', 'ORDER_IN_DELIVERY'], example: 'ORDER_IN_DELIVERY', description: 'Required when accepted is false.' })
  @IsOptional()
  @IsIn(['ORDER_DELIVERED', 'ORDER_IN_DELIVERY'])
  reason?: string;
}

export class MarketOrderDatesFilterDto {
  @ApiPropertyOptional({ type: 'string', format: 'date-time', example: '2026-11-24T00:00:00+03:00' })
  @IsOptional()
  @IsString()
  updateDateFrom?: string;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', example: '2026-11-25T00:00:00+03:00' })
  @IsOptional()
  @IsString()
  updateDateTo?: string;
}

/** The filters of `GetBusinessOrdersRequest` the sandbox Market applies (ids, campaigns, update dates). */
export class MarketGetBusinessOrdersDto {
  @ApiPropertyOptional({ type: 'array', items: { type: 'integer', format: 'int64' }, example: [46830651] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  orderIds?: (number | string)[];

  @ApiPropertyOptional({ type: 'array', items: { type: 'integer', format: 'int64' }, example: [21683701] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  campaignIds?: (number | string)[];

  @ApiPropertyOptional({ type: () => MarketOrderDatesFilterDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MarketOrderDatesFilterDto)
  dates?: MarketOrderDatesFilterDto;
}
