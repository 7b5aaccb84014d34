import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateIf } from 'class-validator';
import { ORDER_STATUSES, type OrderStatus } from '../../orders/order-status';
import { TICKET_TYPES } from '../../imshop-client/imshop-ticket-types';
import { INBOUND_SOURCES, type InboundSource, OUTBOUND_TARGETS, type OutboundTarget } from '../mapping-systems';

const given = (value: unknown) => value !== undefined && value !== null;

/** An inbound row needs `source` + `externalCode`; an outbound row needs `target` + `internalStatus` + `code`. */
export class CreateStatusMappingDto {
  @ApiPropertyOptional({ enum: INBOUND_SOURCES, example: 'market', description: 'Inbound row: where the code comes from. Give this or `target`.' })
  @ValidateIf((o: CreateStatusMappingDto) => o.target === undefined)
  @IsIn(INBOUND_SOURCES)
  source?: InboundSource;

  @ApiPropertyOptional({ enum: OUTBOUND_TARGETS, example: 'imshop', description: 'Outbound row: where the code is delivered. Give this or `source`.' })
  @ValidateIf((o: CreateStatusMappingDto) => o.source === undefined)
  @IsIn(OUTBOUND_TARGETS)
  target?: OutboundTarget;

  @ApiPropertyOptional({ enum: TICKET_TYPES, nullable: true, example: 'prepare', description: 'imshop_ticket rows only; omitted = any ticket type.' })
  @ValidateIf((o: CreateStatusMappingDto) => given(o.ticketType))
  @IsIn(TICKET_TYPES)
  ticketType?: string | null;

  @ApiPropertyOptional({ example: 'PROCESSING', description: 'Inbound: the source status code (Market status, ticket status, OMS code).' })
  @ValidateIf((o: CreateStatusMappingDto) => o.source !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  externalCode?: string;

  @ApiPropertyOptional({
    type: 'string',
    example: 'READY_TO_SHIP',
    nullable: true,
    description:
      'Inbound, Market only: substatus; omitted = any. Outbound, target market only: the Market substatus sent with `code` (PROCESSING needs READY_TO_SHIP, CANCELLED a reason such as SHOP_FAILED).',
  })
  @ValidateIf((o: CreateStatusMappingDto) => given(o.externalSubstatus))
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  externalSubstatus?: string | null;

  @ApiPropertyOptional({
    enum: ORDER_STATUSES,
    nullable: true,
    example: 'READY_TO_SHIP',
    description: 'Inbound: the canonical status (null = record only, no status change). Outbound: required.',
  })
  @ValidateIf((o: CreateStatusMappingDto) => o.target !== undefined || given(o.internalStatus))
  @IsIn(ORDER_STATUSES)
  internalStatus?: OrderStatus | null;

  @ApiPropertyOptional({ example: 'ready_to_dispatch', description: 'Outbound: the status code sent to the target.' })
  @ValidateIf((o: CreateStatusMappingDto) => o.target !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  code?: string;

  @ApiPropertyOptional({ example: 'Заказ собран и готов к отправке', description: 'Outbound: the text the buyer sees in the app.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  message?: string;

  @ApiPropertyOptional({ example: false, description: 'Flag events with this code for an operator.' })
  @IsOptional()
  @IsBoolean()
  attention?: boolean;
}

export class UpdateStatusMappingDto {
  @ApiPropertyOptional({ enum: TICKET_TYPES, nullable: true, example: 'prepare' })
  @ValidateIf((o: UpdateStatusMappingDto) => given(o.ticketType))
  @IsIn(TICKET_TYPES)
  ticketType?: string | null;

  @ApiPropertyOptional({ example: 'PROCESSING' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  externalCode?: string;

  @ApiPropertyOptional({ type: 'string', example: 'READY_TO_SHIP', nullable: true })
  @ValidateIf((o: UpdateStatusMappingDto) => given(o.externalSubstatus))
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  externalSubstatus?: string | null;

  @ApiPropertyOptional({ enum: ORDER_STATUSES, nullable: true, example: 'READY_TO_SHIP' })
  @ValidateIf((o: UpdateStatusMappingDto) => given(o.internalStatus))
  @IsIn(ORDER_STATUSES)
  internalStatus?: OrderStatus | null;

  @ApiPropertyOptional({ example: 'packed' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  code?: string;

  @ApiPropertyOptional({ example: 'Готов к выдаче' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  message?: string;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  attention?: boolean;

  @ApiPropertyOptional({ example: 1, description: 'The version you read; a different current version answers 409 instead of overwriting.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class ListStatusMappingsQuery {
  @ApiPropertyOptional({ enum: INBOUND_SOURCES })
  @IsOptional()
  @IsIn(INBOUND_SOURCES)
  source?: string;

  @ApiPropertyOptional({ enum: OUTBOUND_TARGETS })
  @IsOptional()
  @IsIn(OUTBOUND_TARGETS)
  target?: string;
}

export class ExportStatusCodesQuery {
  @ApiProperty({ enum: OUTBOUND_TARGETS, example: 'imshop' })
  @IsIn(OUTBOUND_TARGETS)
  target: string;
}

export class ExportedStatusCode {
  @ApiProperty({ example: 'ready_for_pickup' })
  code: string;

  @ApiProperty({ example: 'Готов к выдаче' })
  description: string;

  @ApiProperty({ enum: ORDER_STATUSES, isArray: true, example: ['READY_FOR_PICKUP'] })
  internalStatuses: OrderStatus[];
}

export class StatusMappingView {
  @ApiProperty({ example: 7 }) id: number;
  @ApiProperty({ enum: ['inbound', 'outbound'], example: 'inbound' }) direction: string;
  @ApiProperty({ example: 'market', description: 'source (inbound) or target (outbound)' }) system: string;
  @ApiPropertyOptional({ type: 'string', example: null, nullable: true }) ticketType: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'PROCESSING', nullable: true }) externalCode: string | null;
  @ApiPropertyOptional({ type: 'string', example: 'READY_TO_SHIP', nullable: true }) externalSubstatus: string | null;
  @ApiPropertyOptional({ enum: ORDER_STATUSES, example: 'READY_TO_SHIP', nullable: true }) internalStatus: string | null;
  @ApiPropertyOptional({ type: 'string', example: null, nullable: true }) code: string | null;
  @ApiPropertyOptional({ type: 'string', example: null, nullable: true }) message: string | null;
  @ApiProperty({ example: false }) attention: boolean;
  @ApiProperty({ example: 'inbound|market||PROCESSING|STARTED', description: 'The normalised key of the row, unique: a second row with it is a 409' })
  matchKey: string;
  @ApiProperty({ example: 1 }) version: number;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) createdAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) updatedAt: Date;
}

/** One change of a mapping row: who, when, and the row before and after. */
export class StatusMappingAuditView {
  @ApiProperty({ example: '12' }) id: string;
  @ApiProperty({ type: 'integer', example: 42 }) mappingId: number;
  @ApiProperty({ enum: ['create', 'update', 'delete'], example: 'update' }) action: 'create' | 'update' | 'delete';
  @ApiProperty({ example: 'anna@shop', description: 'The X-Actor header of the change ("admin" without one)' }) actor: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) at: Date;
  @ApiProperty({ type: StatusMappingView, nullable: true, description: 'The row before the change (null for create)' }) before: StatusMappingView | null;
  @ApiProperty({ type: StatusMappingView, nullable: true, description: 'The row after the change (null for delete)' }) after: StatusMappingView | null;
}
