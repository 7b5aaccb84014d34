import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { exampleOf } from '../../common/swagger-example';
import { CreateTicketDto } from './create-ticket.dto';
import { TicketStatusWebhookDto } from './ticket-status-webhook.dto';
import { validateDto } from '../../common/validate-dto';

/** The Swagger request examples are built from `@ApiProperty({ example })`: they must pass validation. */
describe('Swagger examples of the IMSHOP DTOs', () => {
  it.each([
    ['TicketStatusWebhookDto', TicketStatusWebhookDto],
    ['CreateTicketDto', CreateTicketDto],
  ] as const)('%s example is valid', (_name, dto) => {
    const result = validateDto(dto as new () => object, exampleOf(dto));
    expect(result.ok ? [] : result.messages).toEqual([]);
  });

  it('uses the seed example values for the ticket webhook', () => {
    expect(exampleOf(TicketStatusWebhookDto)).toMatchObject({
      ticketId: 'rsp-12345',
      orderId: 'a7878969',
      storeId: '1456',
      staffId: '12393',
      status: 'done',
      comment: null,
      metadata: { timestamp: '1591207746' },
    });
  });
});
