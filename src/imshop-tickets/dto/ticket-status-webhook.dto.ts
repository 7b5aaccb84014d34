import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsIdString, IsUnixTimestamp, REQUIRED, ToIdString, ToNumberIfNumeric } from '../../imshop-client/imshop-validators';

/**
 * IMSHOP → us: "Уведомления об обновлении статуса заявки" (seed 000), plus the newer documentation's
 * `step` and `metadata.cart`, and the IRP auth `key` in the body.
 *
 * Tolerant reader: extra fields are kept, unknown statuses are accepted (the ticket rules classify them),
 * ids may come as strings or integers (normalised to strings), `null` is accepted for every optional field.
 * Required: `ticketId`, `orderId`, `storeId`, `status`; inside `metadata` (itself optional), `timestamp`.
 */

/** `metadata.cart[]`: what was actually assembled / packed, with DataMatrix codes (newer documentation). */
export class TicketCartItemDto {
  @ApiProperty({ example: '12345', description: 'Идентификатор торгового предложения.' })
  @IsDefined(REQUIRED)
  @ToIdString()
  @IsIdString()
  configurationId: string;

  @ApiPropertyOptional({ type: 'string', example: '0000', nullable: true, description: 'Код маркировки (DataMatrix) товара.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  datamatrix?: string | null;
}

/** `metadata.unavailableItems[]`: goods that were out of stock, so the order could not be assembled. */
export class TicketUnavailableItemDto {
  @ApiProperty({ example: '12345', description: 'Идентификатор торгового предложения.' })
  @IsDefined(REQUIRED)
  @ToIdString()
  @IsIdString()
  configurationId: string;

  @ApiProperty({ example: 1, minimum: 0, description: 'Количество отсутствующего товара (a numeric string is accepted too).' })
  @IsDefined(REQUIRED)
  @ToNumberIfNumeric()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  quantity: number;
}

export class TicketStatusMetadataDto {
  @ApiProperty({
    oneOf: [
      { type: 'string', pattern: '^\\d+(\\.\\d+)?$' },
      { type: 'number', minimum: 0 },
    ],
    example: '1591207746',
    description:
      'Unix таймштамп смены статуса, в секундах. IMSHOP sends it as a string; a JSON number is accepted too. ' + 'Values ≥ 1e12 are read as milliseconds.',
  })
  @IsDefined(REQUIRED)
  @IsUnixTimestamp()
  timestamp: string | number;

  @ApiPropertyOptional({ type: 'string', example: '1234567890', nullable: true, description: 'Трекинговый номер заказа после передачи в доставку.' })
  @IsOptional()
  @ToIdString()
  @IsString()
  @MaxLength(255)
  deliveryTrackingNumber?: string | null;

  @ApiPropertyOptional({ type: 'string', example: 'CDEK-1029384756', nullable: true, description: 'Номер накладной транспортной компании.' })
  @IsOptional()
  @ToIdString()
  @IsString()
  @MaxLength(255)
  deliveryOrderId?: string | null;

  @ApiPropertyOptional({
    type: () => TicketCartItemDto,
    isArray: true,
    nullable: true,
    example: [
      { configurationId: '12345', datamatrix: '0000' },
      { configurationId: '12345', datamatrix: '0001' },
    ],
    description: 'Состав собранного / упакованного заказа с datamatrix кодами.',
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TicketCartItemDto)
  cart?: TicketCartItemDto[] | null;

  @ApiPropertyOptional({
    type: () => TicketUnavailableItemDto,
    isArray: true,
    nullable: true,
    example: [{ configurationId: '12345', quantity: 1 }],
    description: 'Товары, которых не было в наличии, из-за которых не был сформирован заказ.',
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TicketUnavailableItemDto)
  unavailableItems?: TicketUnavailableItemDto[] | null;
}

export class TicketStatusWebhookDto {
  @ApiProperty({ example: 'rsp-12345', description: 'Идентификатор ранее созданной заявки.' })
  @IsDefined(REQUIRED)
  @ToIdString()
  @IsIdString()
  ticketId: string;

  @ApiProperty({ example: 'a7878969', description: 'Идентификатор заказа (номер заказа в OMS, as sent when the ticket was created).' })
  @IsDefined(REQUIRED)
  @ToIdString()
  @IsIdString()
  @MaxLength(128) // orders.oms_order_number is varchar(128): a longer orderId was a 500 (found by fuzzing)
  orderId: string;

  @ApiProperty({ example: '1456', description: 'Идентификатор магазина.' })
  @IsDefined(REQUIRED)
  @ToIdString()
  @IsIdString()
  storeId: string;

  @ApiPropertyOptional({
    type: 'string',
    example: '12393',
    nullable: true,
    description: 'Идентификатор сотрудника, инициировавшего смену статуса (absent for `not-accepted` / `timeout`).',
  })
  @IsOptional()
  @ToIdString()
  @IsIdString()
  staffId?: string | null;

  @ApiProperty({
    type: 'string',
    example: 'done',
    description:
      'Новый статус. Known values: prepare — done, failed, partiallyDone; ship — shipped, failed, partiallyShipped; ' +
      'receive — received, failed, returned, partiallyReturned, handedOver, partiallyHandedOver, notHandedOver; ' +
      'release — released, failed; cancel — cancelled; any type — not-accepted, timeout, advance. ' +
      'Unknown values are accepted and recorded.',
  })
  @IsDefined(REQUIRED)
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  status: string;

  @ApiPropertyOptional({
    type: 'string',
    example: null,
    nullable: true,
    description: 'Id нового шага, если заявка перешла в следующий шаг, или заявка завершилась по таймауту шага.',
  })
  @IsOptional()
  @ToIdString()
  @IsIdString()
  step?: string | null;

  @ApiPropertyOptional({ type: 'string', example: null, nullable: true, description: 'Комментарий от сотрудника.' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  comment?: string | null;

  @ApiPropertyOptional({
    type: () => TicketStatusMetadataDto,
    nullable: true,
    example: { timestamp: '1591207746' },
    description: 'Дополнительные данные.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TicketStatusMetadataDto)
  metadata?: TicketStatusMetadataDto | null;

  @ApiPropertyOptional({
    example: 'imshop-api-key',
    description: 'IRP API key, when IMSHOP sends it in the body instead of `Authorization: Bearer`. Never stored.',
  })
  @IsOptional()
  @IsString()
  key?: string;
}
