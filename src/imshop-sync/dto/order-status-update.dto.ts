import { APPLY_OUTCOMES, type ApplyOutcome } from '../../orders/status-event';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, Matches, MaxLength, ValidateNested } from 'class-validator';
import { REQUIRED } from '../../imshop-client/imshop-validators';

/** IsNotEmpty lets "   " through; a blank id or code is refused by the IMSHOP push later (500, found by fuzzing). */
const NOT_BLANK = /\S/;
const NOT_BLANK_MESSAGE = { message: '$property must not be blank' };

/**
 * `POST /orders/status`: the retailer's OMS reports a status change. The body is exactly the request of
 * IMSHOP's order status API (seed 001 + the newer `userId` and `payment`), so the OMS can point the same
 * client at us; we relay `code`, `message` and `trackingUrl` to IMSHOP unchanged.
 */

export class OrderStatusPaymentDto {
  @ApiProperty({ example: true, description: 'Оплачен ли заказ.' })
  @IsDefined(REQUIRED)
  @IsBoolean()
  paid: boolean;

  @ApiProperty({ example: 'pay-7f3c1a9e', description: 'Идентификатор платежа.' })
  @IsDefined(REQUIRED)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  paymentId: string;
}

export class OrderStatusUpdateDto {
  @ApiProperty({ example: '05671863', description: 'Номер заказа в системе клиента (OMS order number).' })
  @IsDefined(REQUIRED)
  @IsString()
  @IsNotEmpty()
  @Matches(NOT_BLANK, NOT_BLANK_MESSAGE)
  @MaxLength(128) // orders.oms_order_number is varchar(128): a longer id was a 500 (found by fuzzing)
  id: string;

  @ApiProperty({ example: 'packed', description: 'Идентификатор статуса заказа в системе клиента.' })
  @IsDefined(REQUIRED)
  @IsString()
  @IsNotEmpty()
  @Matches(NOT_BLANK, NOT_BLANK_MESSAGE)
  @MaxLength(128)
  code: string;

  @ApiPropertyOptional({ example: 'Готов к выдаче', description: 'Статус заказа в текстовом виде; этот текст увидит покупатель в приложении.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  message?: string;

  @ApiPropertyOptional({
    example: 'https://www.cdek.ru/ru/tracking?order_id=1234567890',
    description: 'Ссылка на страницу отслеживания отправления (http or https).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_valid_protocol: true }, { message: '$property must be an http(s) URL' })
  trackingUrl?: string;

  @ApiPropertyOptional({
    example: '79999999999',
    description: 'Идентификатор покупателя или номер телефона без форматирования (push notifications for orders placed outside the app).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  userId?: string;

  @ApiPropertyOptional({ type: () => OrderStatusPaymentDto, description: 'Only when the payment state changed; both fields required.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => OrderStatusPaymentDto)
  payment?: OrderStatusPaymentDto;
}

/** IMSHOP's answer to an order status update (seed 001, "Ответ"). Every field but `success` may be absent. */
export class OrderStatusUpdateResponse {
  @ApiProperty({ example: true, description: 'Флаг успешного выполнения.' })
  success: boolean;

  @ApiPropertyOptional({ example: '05671863', description: 'Номер заказа в системе клиента.' })
  internalId?: string;

  @ApiPropertyOptional({ example: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195', description: 'UUID заказа в системе IMSHOP.IO.' })
  uuid?: string;

  @ApiPropertyOptional({ example: 'packed', description: 'Идентификатор нового статуса заказа в системе клиента.' })
  newStatus?: string;

  @ApiPropertyOptional({ example: 'ready_for_pickup', description: 'Идентификатор нового статуса заказа в IMSHOP.IO.' })
  imshopStatus?: string;

  @ApiPropertyOptional({ example: 'Готов к выдаче', description: 'Текстовый статус заказа.' })
  message?: string;
}

/** Our answer to the OMS: IMSHOP's answer shape, and what the status did to the order. */
export class OmsStatusAnswer extends OrderStatusUpdateResponse {
  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    example: 'Готов к выдаче',
    description: 'The message of the request, as sent (null when it was null).',
  })
  declare message?: string;

  @ApiProperty({
    enum: APPLY_OUTCOMES,
    example: 'applied',
    description: 'What the status did to the order; duplicate: a repeat under the same Idempotency-Key (nothing changed or relayed)',
  })
  outcome: ApplyOutcome;
}
