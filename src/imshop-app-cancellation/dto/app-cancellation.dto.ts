import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsIdString, ToIdString } from '../../imshop-client/imshop-validators';
import { validateDto } from '../../common/validate-dto';

/**
 * IMSHOP app → us: the buyer pressed "cancel" in the app. Two documented request shapes are accepted:
 *
 * - seed 001 (first draft): `{ uuid, internalId, reason? }` — `uuid` is IMSHOP's order id, `internalId`
 *   the retailer's order number (the seed's field list calls it "идентификатор статуса", a typo: its answer
 *   and the status-sync response use `internalId` for the order number, and the example is `"12345"`);
 * - newer documentation: `{ id, status: "canceled", reason? }` — `id` is the retailer's order number
 *   (same example value `"12345"`; since Dec 2021 IMSHOP addresses orders by the retailer's number).
 *
 * Either may carry the IRP `key`. Every field is optional here; {@link normaliseCancellation} applies the
 * cross-field rules (at least one order reference, a cancel status, no contradicting ids).
 */
export class AppCancellationDto {
  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    example: 'f5315818-cccc-4444-aaaa-31b6aebceb54',
    description: 'Seed shape: идентификатор заказа в IMSHOP.IO.',
  })
  @IsOptional()
  @ToIdString()
  @IsIdString()
  uuid?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, example: '12345', description: 'Seed shape: номер заказа в системе клиента.' })
  @IsOptional()
  @ToIdString()
  @IsIdString()
  internalId?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, example: '12345', description: 'Newer shape: номер заказа в системе клиента.' })
  @IsOptional()
  @ToIdString()
  @IsIdString()
  id?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    example: 'canceled',
    description: 'Newer shape: статус заказа в системе IMSHOP; only `canceled` (or `cancelled`) is accepted.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  status?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    example: 'Не дозвонились, купил в другом магазине',
    nullable: true,
    description: 'Причина отмены, если пользователь предоставил.',
  })
  @IsOptional()
  @IsString()
  reason?: string | null;

  @ApiPropertyOptional({ example: 'imshop-api-key', description: 'IRP API key, when sent in the body instead of `Authorization: Bearer`. Never stored.' })
  @IsOptional()
  @IsString()
  key?: string;
}

/** Spellings of the IMSHOP status that mean "cancel" (IMSHOP writes `canceled`; `cancelled` is tolerated). */
export const CANCEL_STATUSES: readonly string[] = ['canceled', 'cancelled'];

export interface CancellationOrderRef {
  /** IMSHOP's order uuid (seed shape `uuid`). */
  imshopUuid?: string;
  /** The retailer's order number (`internalId` in the seed shape, `id` in the newer one). */
  omsOrderNumber?: string;
}

export type NormalisedCancellation = { ok: true; shape: 'seed' | 'current'; orderRef: CancellationOrderRef; reason?: string } | { ok: false; message: string };

/**
 * Reads either request shape into one order reference. Failures name the field, e.g.
 * `id is required (or uuid / internalId)` or `status must be "canceled", got "done"`.
 * `shape` is `current` when `id` or `status` is present, else `seed`.
 */
export function normaliseCancellation(body: unknown): NormalisedCancellation {
  const checked = validateDto(AppCancellationDto, body);
  if (!checked.ok) return { ok: false, message: checked.messages.join('; ') };
  const dto = checked.value;

  const status = given(dto.status) ? dto.status : undefined;
  if (status !== undefined && !CANCEL_STATUSES.includes(status)) {
    return { ok: false, message: `status must be "canceled" (this endpoint only cancels orders), got ${JSON.stringify(status)}` };
  }

  const id = given(dto.id) ? dto.id : undefined;
  const internalId = given(dto.internalId) ? dto.internalId : undefined;
  const uuid = given(dto.uuid) ? dto.uuid : undefined;
  if (id !== undefined && internalId !== undefined && id !== internalId) {
    return { ok: false, message: `id and internalId name different orders (${JSON.stringify(id)} vs ${JSON.stringify(internalId)})` };
  }
  const omsOrderNumber = id ?? internalId;
  if (omsOrderNumber === undefined && uuid === undefined) {
    return { ok: false, message: 'id is required (or uuid / internalId in the older request shape)' };
  }

  const orderRef: CancellationOrderRef = {};
  if (uuid !== undefined) orderRef.imshopUuid = uuid;
  if (omsOrderNumber !== undefined) orderRef.omsOrderNumber = omsOrderNumber;
  const reason = typeof dto.reason === 'string' && dto.reason.trim() !== '' ? dto.reason : undefined;
  const shape = id !== undefined || status !== undefined ? 'current' : 'seed';
  return reason === undefined ? { ok: true, shape, orderRef } : { ok: true, shape, orderRef, reason };
}

function given<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/**
 * Our answer. Seed 001 answers `{ success, newStatus?, newMessage? }`, the newer documentation
 * `{ success, status?, message? }`; {@link buildCancellationResponse} fills both sets (harmless either way).
 */
export class AppCancellationResponse {
  @ApiProperty({ example: true, description: 'Флаг успешного выполнения.' })
  success: boolean;

  @ApiPropertyOptional({ example: 'cancelled', description: 'Seed shape: новый статус заказа в системе клиента.' })
  newStatus?: string;

  @ApiPropertyOptional({ example: 'Отменен', description: 'Seed shape: новый текстовый статус заказа.' })
  newMessage?: string;

  @ApiPropertyOptional({ example: 'cancelled', description: 'Newer shape: новый статус заказа в системе клиента.' })
  status?: string;

  @ApiPropertyOptional({ example: 'Отменен', description: 'Newer shape: новый текстовый статус заказа (or, on failure, why).' })
  message?: string;
}

export function buildCancellationResponse(input: { success: boolean; status?: string; message?: string }): AppCancellationResponse {
  const response: AppCancellationResponse = { success: input.success };
  if (input.status !== undefined) {
    response.newStatus = input.status;
    response.status = input.status;
  }
  if (input.message !== undefined) {
    response.newMessage = input.message;
    response.message = input.message;
  }
  return response;
}
