import type { ApiPropertyOptions } from '@nestjs/swagger';
import type { ValidationOptions } from 'class-validator';
import type { MarketNotificationType } from './market-enums';

/**
 * Swagger metadata shared by the Market notification DTOs, so that each DTO file only states what is
 * specific to its field (description and example) and the schema stays consistent with Market's spec.
 */

/** `@IsDefined(REQUIRED)` yields the message "<field> is required" for both a missing field and null. */
export const REQUIRED: ValidationOptions = { message: '$property is required' };

/** Example instants. The seed's only example is `2022-12-29T18:02:01Z`; the offset form is from the brief. */
export const EXAMPLE_TIME_UTC = '2022-12-29T18:02:01Z';
export const EXAMPLE_TIME_WITH_OFFSET = '2022-12-31T00:00:00+03:00';

const DATE_TIME_FORMAT_NOTE =
  'Формат: ISO 8601 со смещением относительно UTC (например, `2022-12-31T00:00:00+03:00` или `2022-12-29T18:02:01Z`); ' +
  'до 9 знаков дробной части секунд. Значение без смещения отклоняется.';

const INT64_NOTE = 'int64. В разобранном уведомлении нормализуется в строку из цифр, чтобы не терять точность выше 2^53.';

export function int64Property(description: string, example: number, options: { minimum?: number } = {}): ApiPropertyOptions {
  return {
    type: 'integer',
    format: 'int64',
    ...(options.minimum === undefined ? {} : { minimum: options.minimum }),
    description: `${description} ${INT64_NOTE}`,
    example,
  };
}

export function dateTimeProperty(description: string, example: string = EXAMPLE_TIME_UTC): ApiPropertyOptions {
  return { type: 'string', format: 'date-time', description: `${description} ${DATE_TIME_FORMAT_NOTE}`, example };
}

/**
 * No `enum` keyword on purpose: generated clients and validators would then reject values Market adds
 * later. Known values are listed in the description instead.
 */
export function tolerantEnumProperty(description: string, knownValues: readonly string[], example: string): ApiPropertyOptions {
  return {
    type: 'string',
    minLength: 1,
    description: `${description} Известные значения: ${knownValues.join(', ')}. ` + 'Маркет может присылать и другие значения — они принимаются и сохраняются.',
    example,
  };
}

export function notificationTypeProperty(type: MarketNotificationType): ApiPropertyOptions {
  return { type: 'string', enum: [type], description: `Тип уведомления: \`${type}\`.`, example: type };
}

export const BUSINESS_ID_DESCRIPTION = 'Идентификатор кабинета.';
export const CAMPAIGN_ID_DESCRIPTION =
  'Идентификатор кампании (магазина) — технический идентификатор магазина в API Маркета. ' + 'Не путайте с идентификатором магазина из кабинета продавца.';
export const ORDER_ID_DESCRIPTION = 'Идентификатор заказа.';
export const CHAT_ID_DESCRIPTION = 'Идентификатор чата.';

/** Illustrative identifiers for Swagger examples (the seed gives none for ids). */
export const EXAMPLE_IDS = {
  businessId: 9876543,
  campaignId: 21683701,
  orderId: 46830651,
  returnId: 10437821,
  chatId: 3518467,
  feedbackId: 187654321,
  commentId: 5123456,
  questionId: 7034562,
  answerId: 7035120,
} as const;
