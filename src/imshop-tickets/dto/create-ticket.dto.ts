import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { TICKET_TYPES, type TicketType } from '../../imshop-client/imshop-ticket-types';
import { MAX_ID_LENGTH, REQUIRED } from '../../imshop-client/imshop-validators';

/**
 * Our admin `POST /tickets` body. The service forwards it to IMSHOP's ticket-creation API
 * ("Создание заявки", DSS) unchanged, so the field names are IMSHOP's.
 */

export const DELIVERY_TYPES = ['regular', 'express', 'store', 'custom'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

/** Ticket types that may carry `delivery` ("только для заявок типа ship и prepare"). */
export const TICKET_TYPES_WITH_DELIVERY: readonly TicketType[] = ['prepare', 'ship'];

const MONEY = { allowNaN: false, allowInfinity: false } as const;

function IsId(): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    IsString()(target, key);
    IsNotEmpty()(target, key);
    MaxLength(MAX_ID_LENGTH)(target, key);
  };
}

/** `ticketId` is required when `type` is `cancel` and must be absent otherwise. */
function IsTicketIdForType(): PropertyDecorator {
  return ValidateBy({
    name: 'isTicketIdForType',
    validator: {
      validate(value: unknown, args?: ValidationArguments): boolean {
        const type = (args?.object as { type?: unknown } | undefined)?.type;
        if (type === 'cancel') return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH;
        return value === undefined || value === null;
      },
      defaultMessage(args?: ValidationArguments): string {
        const type = (args?.object as { type?: unknown } | undefined)?.type;
        return type === 'cancel'
          ? `$property is required when type is cancel (the id of the ticket to cancel, a non-empty string)`
          : `$property must be omitted unless type is cancel`;
      },
    },
  });
}

export class TicketStepDto {
  @ApiProperty({ example: 'prepare-order', description: 'Идентификатор шага (reported back as `step` in the status webhook).' })
  @IsDefined(REQUIRED)
  @IsId()
  id: string;

  @ApiProperty({ example: 'Сборка заказа', description: 'Название.' })
  @IsDefined(REQUIRED)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  title: string;

  @ApiPropertyOptional({ example: 'Соберите все товары заказа', description: 'Что необходимо сделать; этот текст увидит продавец.' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ example: 'Завершить сборку', description: 'Текст кнопки «далее».' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cta?: string;

  @ApiPropertyOptional({ example: true, description: 'Отображать состав заказа на данном шаге.' })
  @IsOptional()
  @IsBoolean()
  displayCart?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Запрашивать сканирование каждого товара для подтверждения.' })
  @IsOptional()
  @IsBoolean()
  scanToConfirm?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Сканировать на данном шаге datamatrix коды для каждого товара.' })
  @IsOptional()
  @IsBoolean()
  datamatrix?: boolean;

  @ApiPropertyOptional({ example: 1200, minimum: 1, description: 'Максимальное время в секундах на завершение шага.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  timeout?: number;

  @ApiPropertyOptional({ example: false, description: 'Требуется сканирование кода с пакета (сверяется с номером заказа).' })
  @IsOptional()
  @IsBoolean()
  scanPackage?: boolean;
}

export class TicketBuyerDto {
  @ApiProperty({ example: 'Петр Иванов' })
  @IsDefined(REQUIRED)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name: string;

  @ApiProperty({ example: '+79997771234' })
  @IsDefined(REQUIRED)
  @IsString()
  @Matches(/^\+?[\d\s()-]{5,32}$/, { message: '$property must be a phone number (digits, optionally +, spaces, brackets, dashes)' })
  phone: string;

  @ApiPropertyOptional({ example: 'some@mail.com' })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class TicketAddressDto {
  @ApiPropertyOptional({ type: 'string', example: 'Москва', nullable: true, description: 'Регион / область.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  region?: string | null;

  @ApiPropertyOptional({ type: 'string', example: 'Москва', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  city?: string | null;

  @ApiPropertyOptional({ type: 'string', example: null, nullable: true, description: 'Поселение.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  settlement?: string | null;

  @ApiPropertyOptional({ type: 'string', example: '125080', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  postalCode?: string | null;

  @ApiPropertyOptional({ type: 'string', example: 'Волоколамское шоссе', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  street?: string | null;

  @ApiPropertyOptional({ type: 'string', example: '2', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  house?: string | null;

  @ApiPropertyOptional({ type: 'string', example: null, nullable: true, description: 'Корпус / строение.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  block?: string | null;

  @ApiPropertyOptional({ type: 'string', example: null, nullable: true, description: 'Квартира.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  apt?: string | null;

  @ApiPropertyOptional({ type: 'string', example: '6cd79dbd-375d-4aaa-ad66-75200adac327', nullable: true, description: 'Идентификатор из ФИАС.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  fiasId?: string | null;
}

export class TicketDeliveryDto {
  @ApiProperty({ enum: DELIVERY_TYPES, example: 'regular', description: 'regular, express (день в день), store (в другой магазин), custom.' })
  @IsDefined(REQUIRED)
  @IsIn(DELIVERY_TYPES)
  type: DeliveryType;

  @ApiPropertyOptional({ type: 'string', description: "Required when type is custom: the retailer's own delivery type id." })
  @ValidateIf((o: TicketDeliveryDto) => o.type === 'custom' || (o.customType !== undefined && o.customType !== null))
  @IsDefined({ message: '$property is required when type is custom' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  customType?: string;

  @ApiPropertyOptional({ example: 'cdek', description: 'Идентификатор службы доставки (required for every type except store).' })
  @ValidateIf((o: TicketDeliveryDto) => o.type !== 'store' || (o.provider !== undefined && o.provider !== null))
  @IsDefined({ message: '$property is required unless type is store' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  provider?: string;

  @ApiPropertyOptional({ type: () => TicketAddressDto, description: 'Адрес доставки / адрес магазина.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TicketAddressDto)
  address?: TicketAddressDto;
}

export class TicketDiscountRuleDto {
  @ApiProperty({ example: '1c_first_purchase' })
  @IsDefined(REQUIRED)
  @IsId()
  id: string;

  @ApiPropertyOptional({ example: 'Скидка 1000 руб на первую покупку онлайн' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;
}

export class TicketCartLineDto {
  @ApiProperty({ example: '63a8dd3e-ce7a-41f9-8572-0f9236234918', description: 'Идентификатор торгового предложения.' })
  @IsDefined(REQUIRED)
  @IsId()
  configurationId: string;

  @ApiProperty({ example: 2, description: 'Количество (> 0; fractional for goods sold by weight).' })
  @IsDefined(REQUIRED)
  @IsNumber(MONEY)
  @Min(0.000001, { message: '$property must be greater than 0' })
  quantity: number;

  @ApiProperty({ example: 4999, minimum: 0, description: 'Цена продажи за 1 шт.' })
  @IsDefined(REQUIRED)
  @IsNumber(MONEY)
  @Min(0)
  price: number;

  @ApiPropertyOptional({ example: 1000, minimum: 0, description: 'Скидка на всю позицию.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  discount?: number;

  @ApiPropertyOptional({ example: 8998, minimum: 0, description: 'Итого за позицию с учётом скидки и количества.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  subtotal?: number;

  @ApiPropertyOptional({ example: true, description: 'Запрашивать datamatrix для этого товара.' })
  @IsOptional()
  @IsBoolean()
  datamatrixRequired?: boolean;

  @ApiPropertyOptional({ type: () => TicketDiscountRuleDto, isArray: true, description: 'Применённые акции и скидки.' })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TicketDiscountRuleDto)
  discountRules?: TicketDiscountRuleDto[];
}

export class TicketBonusesDto {
  @ApiPropertyOptional({ example: 500, minimum: 0, description: 'Можно потратить на заказ.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  canSpend?: number;

  @ApiPropertyOptional({ example: 300, minimum: 0, description: 'Будет списано при выдаче заказа.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  willBeSpent?: number;

  @ApiPropertyOptional({ example: 90, minimum: 0, description: 'Будет начислено.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  willEarn?: number;
}

export class TicketPaymentDto {
  @ApiProperty({ example: true, description: 'Оплачен ли заказ.' })
  @IsDefined(REQUIRED)
  @IsBoolean()
  paid: boolean;

  @ApiPropertyOptional({ example: 'card', description: 'Способ оплаты.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  method?: string;

  @ApiPropertyOptional({ example: 'Последние 4 цифры карты: 1234', description: 'Комментарий к оплате для продавца.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  comment?: string;
}

export class CreateTicketDto {
  @ApiProperty({ enum: TICKET_TYPES, example: 'prepare', description: 'prepare, ship, receive, release, cancel.' })
  @IsDefined(REQUIRED)
  @IsIn(TICKET_TYPES)
  type: TicketType;

  @ApiProperty({ example: 'a-12345', description: 'Номер заказа из системы управления заказами (OMS).' })
  @IsDefined(REQUIRED)
  @IsId()
  orderId: string;

  @ApiProperty({ example: '16784', description: 'Идентификатор магазина, в который направляется заявка.' })
  @IsDefined(REQUIRED)
  @IsId()
  storeId: string;

  // No example: the generated request example is a prepare ticket, where ticketId must be absent.
  @ApiPropertyOptional({ type: 'string', description: 'Required when type is cancel (the ticket to cancel, e.g. `rsp-1746761`); not allowed otherwise.' })
  @IsTicketIdForType()
  ticketId?: string;

  @ApiPropertyOptional({ example: '0001234', description: 'Only this staff user sees the ticket (`<user id>` of the staff feed).' })
  @IsOptional()
  @IsId()
  staffUserId?: string;

  @ApiPropertyOptional({ example: '1234000', description: 'Only this staff group sees the ticket (`<user groupId>` of the staff feed).' })
  @IsOptional()
  @IsId()
  staffGroupId?: string;

  @ApiPropertyOptional({ example: 900, minimum: 1, description: 'Seconds for a staff member to accept the ticket (else `not-accepted`).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  shouldBeAcceptedInTimeout?: number;

  @ApiPropertyOptional({
    type: () => TicketStepDto,
    isArray: true,
    example: [
      { id: 'prepare-order', title: 'Сборка заказа', cta: 'Завершить сборку', displayCart: true, scanToConfirm: true, datamatrix: true, timeout: 1200 },
      { id: 'pack-order', title: 'Упаковка', cta: 'Завершить упаковку' },
    ],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique((step: unknown) => (step as { id?: unknown } | null)?.id, { message: '$property must have unique ids' })
  @ValidateNested({ each: true })
  @Type(() => TicketStepDto)
  steps?: TicketStepDto[];

  @ApiPropertyOptional({ type: () => TicketBuyerDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TicketBuyerDto)
  buyer?: TicketBuyerDto;

  @ApiPropertyOptional({ type: () => TicketDeliveryDto, description: 'Only for prepare and ship tickets.' })
  @ValidateIf((o: CreateTicketDto) => o.delivery !== undefined && o.delivery !== null)
  @ValidateBy({
    name: 'deliveryAllowedForType',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) => TICKET_TYPES_WITH_DELIVERY.includes((args?.object as CreateTicketDto).type),
      defaultMessage: () => '$property is only allowed when type is prepare or ship',
    },
  })
  @IsObject()
  @ValidateNested()
  @Type(() => TicketDeliveryDto)
  delivery?: TicketDeliveryDto;

  @ApiPropertyOptional({
    type: () => TicketCartLineDto,
    isArray: true,
    example: [
      {
        configurationId: '63a8dd3e-ce7a-41f9-8572-0f9236234918',
        quantity: 2,
        price: 4999,
        discount: 1000,
        datamatrixRequired: true,
        subtotal: 8998,
        discountRules: [{ id: '1c_first_purchase', description: 'Скидка 1000 руб на первую покупку онлайн' }],
      },
    ],
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TicketCartLineDto)
  cart?: TicketCartLineDto[];

  @ApiPropertyOptional({ type: () => TicketBonusesDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TicketBonusesDto)
  bonuses?: TicketBonusesDto;

  @ApiPropertyOptional({ example: 'FIRST1000' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  promocode?: string;

  @ApiPropertyOptional({ example: 9998, minimum: 0, description: 'Цена.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  price?: number;

  @ApiPropertyOptional({ example: 1000, minimum: 0, description: 'Применённая скидка на заказ.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  discount?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, description: 'Оплачиваемая покупателем стоимость доставки.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  deliveryPrice?: number;

  @ApiPropertyOptional({ example: 8998, minimum: 0, description: 'Цена итого.' })
  @IsOptional()
  @IsNumber(MONEY)
  @Min(0)
  finalPrice?: number;

  @ApiPropertyOptional({ type: () => TicketPaymentDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TicketPaymentDto)
  payment?: TicketPaymentDto;

  @ApiPropertyOptional({ example: 'Комментарий' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  comment?: string;
}

/** IMSHOP's answer to ticket creation / cancellation, returned by our `POST /tickets` as is. */
export class CreateTicketResponse {
  @ApiProperty({ example: true, description: 'Флаг успеха.' })
  success: boolean;

  @ApiProperty({ example: 'rsp-1746761', description: 'Идентификатор созданной / отменённой заявки.' })
  ticketId: string;

  @ApiProperty({ type: 'string', example: 'created', description: 'Статус заявки: created / cancelled.' })
  status: string;

  @ApiPropertyOptional({ example: 'STORE_NOT_FOUND', description: 'Код ошибки, если заявка не была создана.' })
  errorCode?: string;

  @ApiPropertyOptional({ example: 'Магазин 16784 не найден', description: 'Описание ошибки, если заявка не была создана.' })
  errorMessage?: string;
}
