import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';

const given = (value: unknown) => value !== undefined && value !== null;

export class MarketAutomationRulesDto {
  @ApiPropertyOptional({ example: true, description: 'After ORDER_CREATED: fetch buyer, delivery and items with prices (needs businessId).' })
  @IsOptional()
  @IsBoolean()
  fetchDetails?: boolean;

  @ApiPropertyOptional({ example: true, description: 'At PROCESSING/STARTED: create an IMSHOP prepare ticket in storeId (needs businessId and storeId).' })
  @IsOptional()
  @IsBoolean()
  prepareTicket?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Push our status changes to Market through the outbound `market` mapping rows.' })
  @IsOptional()
  @IsBoolean()
  pushStatuses?: boolean;

  @ApiPropertyOptional({
    example: true,
    description: 'Accept a buyer cancellation request before shipping (cancel the ticket, set CANCELLED); refuse it after.',
  })
  @IsOptional()
  @IsBoolean()
  answerCancellations?: boolean;
}

/** `PUT /admin/market/campaigns/:campaignId/automation`: fields left out keep their current value. */
export class PutMarketAutomationDto {
  @ApiPropertyOptional({ type: 'string', example: '675789', nullable: true, description: 'Market business (кабинет) id of the campaign, int64.' })
  @ValidateIf((o: PutMarketAutomationDto) => given(o.businessId))
  @IsString({ message: '$property must be an int64 id as a string of digits' })
  @Matches(/^[1-9]\d{0,18}$/, { message: '$property must be an int64 id as a string of digits' })
  businessId?: string | null;

  @ApiPropertyOptional({ type: 'string', example: '1456', nullable: true, description: 'IMSHOP store that assembles the orders.' })
  @ValidateIf((o: PutMarketAutomationDto) => given(o.storeId))
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  storeId?: string | null;

  @ApiPropertyOptional({ example: 'YM-', description: 'OMS order number given to a Market order when its first ticket is created: <prefix><Market order id>.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.\-/]{0,32}$/, { message: '$property must be up to 32 letters, digits, _ . - or /' })
  orderNumberPrefix?: string;

  @ApiPropertyOptional({ type: () => MarketAutomationRulesDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MarketAutomationRulesDto)
  rules?: MarketAutomationRulesDto;
}

export class MarketAutomationView {
  @ApiProperty({ example: '21621656' }) campaignId: string;
  @ApiPropertyOptional({ type: 'string', example: '675789', nullable: true }) businessId: string | null;
  @ApiPropertyOptional({ type: 'string', example: '1456', nullable: true }) storeId: string | null;
  @ApiProperty({ example: 'YM-' }) orderNumberPrefix: string;
  @ApiProperty({ type: () => MarketAutomationRulesDto }) rules: Required<MarketAutomationRulesDto>;
  @ApiProperty({ example: true, description: 'false: no row yet, these are the defaults' }) configured: boolean;
  @ApiPropertyOptional({ type: 'integer', example: 1, nullable: true }) version: number | null;
  @ApiPropertyOptional({ type: 'string', nullable: true }) updatedAt: Date | null;
  @ApiPropertyOptional({ type: 'string', nullable: true }) updatedBy: string | null;
}

/** What Market told us of an order (getBusinessOrders, getOrderBuyerInfo), kept for tickets and the admin view. */
export class MarketOrderDetailsView {
  @ApiProperty({ format: 'uuid', example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10', description: 'Our order' }) orderId: string;
  @ApiProperty({ example: '21683701' }) campaignId: string;
  @ApiProperty({ example: '46830651' }) marketOrderId: string;
  @ApiProperty({ type: 'string', nullable: true, example: '675789' }) businessId: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'PROCESSING' }) status: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'STARTED' }) substatus: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'PREPAID' }) paymentType: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'YANDEX' }) paymentMethod: string | null;
  @ApiProperty({ type: 'boolean', nullable: true, example: false, description: "Market's test order" }) fake: boolean | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'getOrderBuyerInfo as Market gave it (null: not asked, or refused)',
    example: { type: 'PERSON', firstName: 'Пётр' },
  })
  buyer: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: "The order's delivery as Market gave it" }) delivery: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: "The order's prices as Market gave them" }) prices: unknown;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, nullable: true, description: "The order's items as Market gave them" })
  items: unknown;
  @ApiProperty({ type: 'string', nullable: true, example: null }) notes: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:01.000Z' }) fetchedAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) buyerFetchedAt: Date | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:01.000Z' }) updatedAt: Date;
}
