import { Body, Controller, Get, Inject, Param, Post, Query, Res, UseFilters, UseGuards, BadRequestException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { OrderReadsService } from '../orders/order-reads.service';
import { ListSandboxRequestsQuery, SandboxFaultDto } from '../sandbox/dto/sandbox-admin.dto';
import { SandboxRecorder } from '../sandbox/sandbox-recorder.service';
import { ConsoleErrorFilter } from './console-error.filter';
import { ConsoleSessionGuard, CurrentUser } from './console-session.guard';
import type { ConsoleUser } from './console-sessions.service';
import { OmsStatusForm, TicketStatusForm } from './dto/console-forms';
import { CONSOLE_PATH, type PageContext } from './layout';
import { confirmPage, resultPage } from './pages/common.page';
import { playedDetails, sandboxPage, type PlayDefaults } from './pages/sandbox.page';
import { checked, sendPage } from './respond';
import { SandboxPlayerService, type Played } from './sandbox-player.service';

const PAGE_SIZE = 50;
const MARKET_STEPS = { 'market-order-created': 'ORDER_CREATED', 'market-processing': 'ORDER_STATUS_UPDATED' } as const;

/** The sandbox (SANDBOX=true only): playing the peers, their faults, and what they received. */
@ApiExcludeController()
@UseFilters(ConsoleErrorFilter)
@UseGuards(ConsoleSessionGuard)
@Controller('console/sandbox')
export class ConsoleSandboxController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly recorder: SandboxRecorder,
    private readonly player: SandboxPlayerService,
    private readonly tickets: TicketReadsService,
    private readonly orders: OrderReadsService,
  ) {}

  @Get()
  async show(@Query() raw: Record<string, unknown>, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    await this.render(response, this.context(user), raw, []);
  }

  @Post('play/:step')
  async play(@Param('step') step: string, @Body() body: Record<string, unknown>, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const context = this.context(user);
    let played: Played;
    let what: string;
    if (step === 'market-order-created' || step === 'market-processing') {
      played = await this.player.market(step);
      what = `Yandex Market sent ${MARKET_STEPS[step]}`;
    } else if (step === 'ticket-status' || step === 'oms-status') {
      const form = step === 'ticket-status' ? checked(TicketStatusForm, body) : checked(OmsStatusForm, body);
      if (form.messages.length) {
        await this.render(response, context, {}, form.messages, 400);
        return;
      }
      if (form.value instanceof TicketStatusForm) {
        played = await this.player.ticketStatus(form.value);
        what = `The IMSHOP store reported ${form.value.status} for ticket ${form.value.ticketId}`;
      } else {
        const oms = form.value as OmsStatusForm;
        played = await this.player.omsStatus(oms);
        what = `The retailer's OMS reported ${oms.code} for order ${oms.id}`;
      }
    } else {
      throw new BadRequestException(`there is no sandbox step "${step.slice(0, 30)}"`);
    }
    const ok = played.answer.status >= 200 && played.answer.status < 300;
    const order = played.orderRef ? (await this.orders.list({ externalId: played.orderRef, page: 1, limit: 1 })).items[0] : undefined;
    sendPage(
      response,
      resultPage(context, 'sandbox', {
        title: what,
        ok,
        message: `${what}: order-sync answered ${played.answer.status}${ok ? '.' : ', so nothing changed.'}`,
        details: playedDetails(played.request, played.answer, order ? `${CONSOLE_PATH}/orders/${order.id}` : null),
        back: `${CONSOLE_PATH}/sandbox`,
        backText: 'Back to the sandbox',
      }),
    );
  }

  @Post('faults')
  async setFault(@Body() body: Record<string, unknown>, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const context = this.context(user);
    const number = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
    const noAnswer = body.noAnswer === 'true';
    const fields = { peer: body.peer, count: number(body.count), status: noAnswer ? undefined : number(body.status), delayMs: number(body.delayMs), noAnswer };
    const { value, messages } = checked(SandboxFaultDto, fields);
    if (messages.length) {
      await this.render(response, context, {}, messages, 400);
      return;
    }
    const fault = this.recorder.setFault(value);
    sendPage(
      response,
      resultPage(context, 'sandbox', {
        title: `Fault set for ${fault.peer}`,
        ok: true,
        message: `The sandbox ${fault.peer === 'imshop' ? 'IMSHOP' : 'Market'} answers its next ${fault.remaining} request${fault.remaining === 1 ? '' : 's'} with: ${fault.description}.`,
        back: `${CONSOLE_PATH}/sandbox`,
        backText: 'Back to the sandbox',
      }),
    );
  }

  @Get('faults/clear')
  confirmClear(@CurrentUser() user: ConsoleUser, @Res() response: Response): void {
    const faults = this.recorder.listFaults();
    sendPage(
      response,
      confirmPage(this.context(user), {
        section: 'sandbox',
        title: 'Clear the faults?',
        question: faults.length
          ? `The peers answer normally again from their next request (${faults.map((f) => `${f.peer}: ${f.description}, ${f.remaining} left`).join('; ')}).`
          : 'No fault is waiting.',
        action: `${CONSOLE_PATH}/sandbox/faults/clear`,
        button: 'Clear them',
        cancel: `${CONSOLE_PATH}/sandbox`,
      }),
    );
  }

  @Post('faults/clear')
  clear(@CurrentUser() user: ConsoleUser, @Res() response: Response): void {
    this.recorder.clearFaults();
    sendPage(
      response,
      resultPage(this.context(user), 'sandbox', {
        title: 'Faults cleared',
        ok: true,
        message: 'The sandbox peers answer normally again.',
        back: `${CONSOLE_PATH}/sandbox`,
        backText: 'Back to the sandbox',
      }),
    );
  }

  private async render(response: Response, context: PageContext, raw: Record<string, unknown>, messages: string[], status = 200): Promise<void> {
    const { value, messages: queryMessages } = checked(ListSandboxRequestsQuery, raw);
    const all = [...messages, ...queryMessages];
    const [requests, defaults] = await Promise.all([
      this.recorder.listRequests({ peer: value.peer, page: value.page ?? 1, limit: PAGE_SIZE }),
      this.playDefaults(),
    ]);
    sendPage(response, sandboxPage(context, value.peer, this.recorder.listFaults(), requests, defaults, all), all.length ? Math.max(status, 400) : status);
  }

  /** The README's walkthrough: the newest ticket order-sync created (the prepare ticket of Market order 46830651), the OMS order 05671863. */
  private async playDefaults(): Promise<PlayDefaults> {
    const newest = (await this.tickets.list({ page: 1, limit: 20 })).items.find((ticket) => ticket.createdByUs && !ticket.closed);
    return {
      ticketId: newest?.imshopTicketId ?? 'rsp-sbx-1',
      ticketOrderId: newest?.omsOrderNumber ?? 'YM-46830651',
      storeId: newest?.storeId ?? '1456',
      omsId: '05671863',
      omsCode: 'packed',
    };
  }

  private context(user: ConsoleUser): PageContext {
    return { user, sandbox: this.config.sandbox };
  }
}
