import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { tolerantEnumProperty } from './api-property-presets';
import { MARKET_REFUND_STATUSES, MARKET_RETURN_SHIPMENT_STATUSES, type MarketRefundStatusValue, type MarketReturnShipmentStatusValue } from './market-enums';
import { IsTolerantEnumValue } from './validators';

/**
 * `NotificationUpdatedReturnStatusesDTO.yaml`: only the status that changed is present, so both are
 * optional (unredeemed orders only ever carry `shipmentStatus`; quick refunds for cheap defects carry no
 * `shipmentStatus`).
 */
export class NotificationUpdatedReturnStatusesDTO {
  @ApiPropertyOptional(tolerantEnumProperty('Статус возврата денег.', MARKET_REFUND_STATUSES, 'REFUND_IN_PROGRESS'))
  @IsOptional()
  @IsTolerantEnumValue()
  refundStatus?: MarketRefundStatusValue;

  @ApiPropertyOptional(tolerantEnumProperty('Статус передачи возврата или невыкупа.', MARKET_RETURN_SHIPMENT_STATUSES, 'IN_TRANSIT'))
  @IsOptional()
  @IsTolerantEnumValue()
  shipmentStatus?: MarketReturnShipmentStatusValue;
}
