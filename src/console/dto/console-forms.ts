import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ORDER_STATUSES, type OrderStatus } from '../../orders/order-status';

/** The ticket statuses the sandbox page offers to report (the seed's, of the ticket types the walkthrough meets). */
export const TICKET_STATUSES = ['done', 'partiallyDone', 'failed', 'shipped', 'received', 'handedOver', 'not-accepted', 'timeout'];

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

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsIn(ORDER_STATUSES, { message: `status must be one of ${ORDER_STATUSES.join(', ')}` })
  status?: OrderStatus;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @Matches(/^[a-z_]{1,32}$/, { message: 'source must be a source name such as market, imshop_ticket or oms' })
  source?: string;

  @IsOptional()
  @IsIn(['1', ''], { message: 'stuck must be 1 or left out' })
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
