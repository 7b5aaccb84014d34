import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { CreateTicketDto } from './create-ticket.dto';
import { CREATE_TICKET_EXAMPLES, TICKET_STATUS_EXAMPLES } from './swagger-examples';
import { TicketStatusWebhookDto } from './ticket-status-webhook.dto';
import { validateDto } from '../../common/validate-dto';

/** The endpoints' Swagger request examples must be requests the endpoints accept. */
describe('Swagger request examples of the ticket and cancellation endpoints', () => {
  it.each(Object.entries(TICKET_STATUS_EXAMPLES))('ticket status example %s is valid', (_name, example) => {
    const result = validateDto(TicketStatusWebhookDto, example.value);
    expect(result.ok ? [] : result.messages).toEqual([]);
  });

  it.each(Object.entries(CREATE_TICKET_EXAMPLES))('create ticket example %s is valid', (_name, example) => {
    const result = validateDto(CreateTicketDto, example.value);
    expect(result.ok ? [] : result.messages).toEqual([]);
  });
});
