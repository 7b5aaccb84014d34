import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import type { Page } from '../common/page';
import { Channels } from '../events/channels';
import type { ListOrdersQuery } from './dto/order.dto';
import { ORDER_DETAILS } from './order-events';
import type { OrderHistoryEntry } from './order-history.entity';
import type { Order } from './order.entity';
import { OrdersRepository } from './orders.repository';

/** The admin API's views of orders: the list, and one order with its history and what other modules know of it. */
@Injectable()
export class OrderReadsService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly channels: Channels,
  ) {}

  async findById(id: string): Promise<Order & { history: OrderHistoryEntry[] }> {
    const order = await this.withHistory(id);
    const sections: Record<string, unknown> = {};
    for (const name of this.channels.keysOf(ORDER_DETAILS)) sections[name] = await this.channels.handlerOf(ORDER_DETAILS, name)!(order);
    return Object.assign(order, sections);
  }

  /** One order and its history, oldest first, without the other modules' sections (two statements, at once). */
  async withHistory(id: string): Promise<Order & { history: OrderHistoryEntry[] }> {
    const [order, history] = await Promise.all([this.repository.findById(id), this.repository.historyOf(id)]);
    if (!order) throw new NotFoundError(`order ${id} does not exist`);
    return Object.assign(order, { history });
  }

  /** `among`: only these orders (an empty list finds none). */
  list(query: ListOrdersQuery, among?: string[]): Promise<Page<Order>> {
    return this.repository.list(query, among);
  }
}
