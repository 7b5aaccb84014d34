import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { TICKET_TYPES } from '../../imshop-client/imshop-ticket-types';

/**
 * What the sandbox IMSHOP checks of a status sync (seed 001: `{id, code, message?, trackingUrl?}`); other fields
 * (`userId`, `payment`) are accepted as IMSHOP does.
 */
export class ImshopStatusSyncDto {
  @ApiProperty({ example: '05671863', description: "The retailer's order number." })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  id: string;

  @ApiProperty({ example: 'packed', description: "The retailer's status code." })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  code: string;

  @ApiPropertyOptional({ example: 'Готов к выдаче', description: 'The status as the buyer sees it in the app.' })
  @IsOptional()
  @IsString()
  message?: string;

  @ApiPropertyOptional({ example: 'https://www.cdek.ru/ru/tracking?order_id=1234567890' })
  @IsOptional()
  @IsString()
  trackingUrl?: string;

  @ApiPropertyOptional({
    example: 'imshop-api-key',
    description: 'The key, when sent in the body instead of `Authorization: Bearer` (IMSHOP takes either). Masked when recorded.',
  })
  @IsOptional()
  @IsString()
  key?: string;
}

/** What the sandbox IMSHOP checks of a ticket ("Создание заявки"); the cart, buyer and delivery are kept as sent. */
export class ImshopTicketRequestDto {
  @ApiProperty({ enum: TICKET_TYPES, example: 'prepare' })
  @IsIn(TICKET_TYPES)
  type: string;

  @ApiProperty({ example: 'YM-46830651', description: "The order number in the retailer's OMS." })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  orderId: string;

  @ApiProperty({ example: '1456' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  storeId: string;

  @ApiPropertyOptional({ example: 'rsp-sbx-1', description: 'For `cancel`: the ticket to withdraw.' })
  @ValidateIf((o: ImshopTicketRequestDto) => o.type === 'cancel' || o.ticketId !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  ticketId?: string;

  @ApiPropertyOptional({
    example: 'imshop-api-key',
    description: 'The key, when sent in the body instead of `Authorization: Bearer` (IMSHOP takes either). Masked when recorded.',
  })
  @IsOptional()
  @IsString()
  key?: string;
}
