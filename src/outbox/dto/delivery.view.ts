import { PageOf } from '../../common/dto/page.view';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERY_STATES, type DeliveryState } from '../delivery.entity';

/** One change for one target, as GET /admin/deliveries lists it. */
export class DeliveryView {
  @ApiProperty({ example: '41', description: 'bigint, as a string' }) id: string;
  @ApiProperty({ format: 'uuid', example: '0b1f3c52-1d8e-4a57-9d1c-6d1f2b8e9a10' }) orderId: string;
  @ApiProperty({ example: 'imshop', description: 'imshop, market, or a Market-loop job (market_cancel, market_fetch, imshop_prepare, imshop_withdraw)' })
  target: string;
  @ApiProperty({ example: '7', description: 'The order-history row of the change (bigint, as a string): a newer change has a larger one' }) changeSeq: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'READY_TO_SHIP' }) internalStatus: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The exact body sent to the target',
    example: { id: '05671863', code: 'ready_to_dispatch', message: 'Заказ собран' },
  })
  payload: object;
  @ApiProperty({ enum: DELIVERY_STATES, example: 'sent' }) state: DeliveryState;
  @ApiProperty({ type: 'integer', example: 1 }) attempts: number;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) nextAttemptAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null, description: 'While in flight: until when its worker holds it' })
  leaseUntil: Date | null;
  @ApiProperty({ type: 'string', nullable: true, example: null }) lastError: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "The target's answer to the successful attempt",
    example: { success: true, uuid: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195' },
  })
  response: unknown;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T12:00:00.250Z' }) sentAt: Date | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) createdAt: Date;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.250Z' }) updatedAt: Date;
}

/** One HTTP attempt of a delivery. */
export class DeliveryAttemptView {
  @ApiProperty({ example: '77' }) id: string;
  @ApiProperty({ example: '41' }) deliveryId: string;
  @ApiProperty({ type: 'integer', example: 1, description: "The attempt's number; for a probe, the attempts made before it (a probe spends none)" })
  attempt: number;
  @ApiProperty({ example: false, description: 'The probe of a paused target: it tells whether the target answers again, and counts against nothing' })
  probe: boolean;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) startedAt: Date;
  @ApiProperty({ type: 'integer', example: 84 }) latencyMs: number;
  @ApiProperty({ type: 'integer', example: 200, description: '0 when no HTTP answer arrived (timeout, refused, reset)' }) statusCode: number;
  @ApiProperty({ example: 'sent', description: 'sent, retry or dead' }) outcome: string;
  @ApiProperty({ type: 'string', nullable: true, example: null }) error: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '{"success":true}', description: "The peer's answer as received (its first 64 KiB)" }) response:
    string | null;
}

export class DeliveryDetailView extends DeliveryView {
  @ApiProperty({ type: DeliveryAttemptView, isArray: true, description: 'Every attempt, oldest first' }) attemptLog: DeliveryAttemptView[];
}

export class DeliveryPage extends PageOf(DeliveryView) {}

export class RecoverResultView {
  @ApiProperty({ example: 'imshop' }) target: string;
  @ApiProperty({ type: 'integer', example: 12, description: 'Dead deliveries of the target created in the range' }) matched: number;
  @ApiProperty({ type: 'integer', example: 10, description: 'Given a fresh set of attempts and queued' }) recovered: number;
  @ApiProperty({ type: 'integer', example: 2, description: 'Left dead: their order has a newer delivery for the target' }) superseded: number;
  @ApiProperty({ example: false, description: 'The target is paused: the recovered deliveries wait until it is resumed' }) targetPaused: boolean;
}

/** A target's health and its waiting and dead deliveries. */
export class TargetView {
  @ApiProperty({ example: 'imshop' }) target: string;
  @ApiProperty({ example: true, description: 'This process can send to it' }) configured: boolean;
  @ApiProperty({ example: false }) paused: boolean;
  @ApiPropertyOptional({ type: 'string', nullable: true, example: null, description: 'manual, or why it was paused automatically' }) pauseReason: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) pausedAt: Date | null;
  @ApiProperty({ type: 'string', nullable: true, example: null }) pausedBy: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) failingSince: Date | null;
  @ApiProperty({ type: 'integer', example: 0 }) consecutiveFailures: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) lastFailureAt: Date | null;
  @ApiProperty({ type: 'string', nullable: true, example: null }) lastError: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: '2026-11-24T12:00:00.250Z' }) lastSuccessAt: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null }) lastProbeAt: Date | null;
  @ApiProperty({ type: 'integer', example: 0 }) waiting: number;
  @ApiProperty({ type: 'integer', example: 0 }) dead: number;
}
