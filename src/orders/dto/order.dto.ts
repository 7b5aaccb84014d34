import { PageQuery } from '../../common/page';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ORDER_STATUSES, type OrderStatus } from '../order-status';

export class ListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, example: 'PROCESSING' })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ example: 'market', description: 'Orders that received at least one event from this source' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  source?: string;

  @ApiPropertyOptional({ example: '12345', description: 'OMS order number, IMSHOP uuid or Market order id' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  externalId?: string;

}

export class AdminStatusChangeDto {
  @ApiProperty({ enum: ORDER_STATUSES, example: 'PROCESSING' })
  @IsIn(ORDER_STATUSES)
  status: OrderStatus;

  @ApiProperty({ example: 'Buyer asked to reopen the order by phone', description: 'Kept in the order history' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(400)
  reason: string;

  @ApiPropertyOptional({ example: false, description: 'Bypass the state machine (e.g. DELIVERED back to PROCESSING)' })
  @IsOptional()
  @IsBoolean()
  override?: boolean;
}

export class OrderView {
  @ApiProperty({ example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10' }) id: string;
  @ApiPropertyOptional({ type: 'string', example: '05671863', nullable: true }) omsOrderNumber: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195', nullable: true }) imshopUuid: string | null;
  @ApiPropertyOptional({ type: 'string', example: '1234567', nullable: true }) marketCampaignId: string | null;
  @ApiPropertyOptional({ type: 'string', example: '987654321', nullable: true }) marketOrderId: string | null;
  @ApiProperty({ enum: ORDER_STATUSES, example: 'READY_TO_SHIP' }) status: OrderStatus;
  @ApiPropertyOptional({ type: 'string', example: 'market', nullable: true }) statusSource: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'PROCESSING', nullable: true }) sourceStatus: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'READY_TO_SHIP', nullable: true }) sourceSubstatus: string | null;
  @ApiPropertyOptional({ type: 'string', format: 'date-time', example: '2026-11-24T12:00:00.000Z', nullable: true }) statusEventAt: Date | null;
  @ApiPropertyOptional({ type: 'string', example: null, nullable: true }) trackingNumber: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'https://www.cdek.ru/ru/tracking?order_id=1234567890', nullable: true }) trackingUrl: string | null;
  @ApiProperty({ example: [], type: 'array', items: { type: 'object' } }) items: unknown[];
  @ApiProperty({ example: 3 }) version: number;
}

export class OrderPage {
  @ApiProperty({ type: OrderView, isArray: true }) items: OrderView[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 50 }) limit: number;
}
