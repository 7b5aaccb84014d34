import { Body, Controller, HttpCode, Post, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-key.guard';
import { OrderStatusUpdateDto, OrderStatusUpdateResponse } from './dto/order-status-update.dto';
import { ImshopSyncService } from './imshop-sync.service';

@ApiTags('retailer OMS')
@AdminOnly()
@Controller('orders')
export class OmsStatusController {
  constructor(private readonly sync: ImshopSyncService) {}

  /** Same request and answer as IMSHOP's status sync API, so an OMS can be pointed here unchanged. */
  @Post('status')
  @HttpCode(200)
  // IMSHOP's request may carry fields of later protocol versions (or its `key`): tolerated, not rejected.
  @UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: false, transform: true }))
  @ApiOperation({
    summary: 'The OMS reports an order status in IMSHOP\'s request shape; it is recorded and relayed to IMSHOP reliably',
    description: 'An OMS code without a mapping row leaves the internal status as it is, is kept in history and is still relayed.',
  })
  @ApiOkResponse({ type: OrderStatusUpdateResponse })
  report(@Body() dto: OrderStatusUpdateDto) {
    return this.sync.reportOmsStatus(dto);
  }
}
