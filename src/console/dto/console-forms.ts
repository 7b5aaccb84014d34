import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TICKET_STATUSES_BY_TYPE } from '../../imshop-tickets/ticket-rules';
import { ORDER_SOURCES, type OrderSource } from '../../orders/order-source';
import { ORDER_STATUSES, type OrderStatus } from '../../orders/order-status';

/** The ticket statuses the sandbox page offers to report: every status of every ticket type (ticket-rules.ts). */
export const TICKET_STATUSES = [...new Set(Object.values(TICKET_STATUSES_BY_TYPE).flat())];

/** A page number from a query string (`?page=2`). */
class Paged {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be a whole number' })
  @Min(1)
  @Max(100_000)
  page?: number;
}

/** GET /console/orders: the search form. */
export class OrdersQuery extends Paged {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  q?: string;

  // An empty field never reaches these rules: checked() (respond.ts) drops it as left out.
  @IsOptional()
  @IsIn(ORDER_STATUSES, { message: `status must be one of ${ORDER_STATUSES.join(', ')}` })
  status?: OrderStatus;

  @IsOptional()
  @IsIn(ORDER_SOURCES, { message: `source must be one of ${ORDER_SOURCES.join(', ')}` })
  source?: OrderSource;

  @IsOptional()
  @IsIn(['1'], { message: 'stuck must be 1 or left out' })
  stuck?: string;
}

/** POST /console/sign-in. */
export class SignInForm {
  @IsString({ message: 'key: give the admin key' })
  @IsNotEmpty({ message: 'key: give the admin key' })
  @MaxLength(512, { message: 'key is longer than any admin key' })
  key: string;

  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  next?: string;
}

/** POST /console/sandbox/play/ticket-status: what the IMSHOP store reports. */
export class TicketStatusForm {
  @IsString()
  @IsNotEmpty({ message: 'ticketId: name the ticket' })
  @MaxLength(255)
  ticketId: string;

  @IsString()
  @IsNotEmpty({ message: 'orderId: name the order (its OMS number)' })
  @MaxLength(255)
  orderId: string;

  @IsString()
  @IsNotEmpty({ message: 'storeId: name the store' })
  @MaxLength(255)
  storeId: string;

  @IsIn(TICKET_STATUSES, { message: `status must be one of ${TICKET_STATUSES.join(', ')}` })
  status: string;
}

/** POST /console/sandbox/play/oms-status: what the retailer's OMS reports. */
export class OmsStatusForm {
  @IsString()
  @IsNotEmpty({ message: 'id: name the order (its OMS number)' })
  @MaxLength(128)
  id: string;

  @IsString()
  @IsNotEmpty({ message: 'code: give the OMS status code' })
  @MaxLength(128)
  code: string;
}
