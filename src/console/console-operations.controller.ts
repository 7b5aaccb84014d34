import { BadRequestException, Body, Controller, Get, Inject, Param, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '../common/domain-error';
import { ParseBigintIdPipe } from '../common/parse-bigint-id.pipe';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DeliveriesService } from '../outbox/deliveries.service';
import { DELIVERY_STATES, ListDeliveriesQuery } from '../outbox/dto/list-deliveries.query';
import { RecoverDeliveriesDto } from '../outbox/dto/recover-deliveries.dto';
import { TargetHealthService } from '../outbox/target-health.service';
import { TargetsService } from '../outbox/targets.service';
import { ConsoleErrorFilter } from './console-error.filter';
import { ConsoleSessionGuard, CurrentUser } from './console-session.guard';
import type { ConsoleUser } from './console-sessions.service';
import { html } from './html';
import { badge, CONSOLE_PATH, csrfField, page, when, type PageContext } from './layout';
import { confirmPage, problems, resultPage } from './pages/common.page';
import { deliveriesPage, deliveryPage, targetsPage } from './pages/deliveries.page';
import { checked, sendPage } from './respond';
import { deliveryLabel } from './journey';

const PAGE_SIZE = 50;
const TARGET_NAME = /^[a-z][a-z0-9_]{0,15}$/;

function targetParam(value: string): string {
  if (!TARGET_NAME.test(value)) throw new BadRequestException(`target must be a target name like imshop or market (got "${value.slice(0, 40)}")`);
  return value;
}

/** Deliveries and targets: what is retrying, dead or paused, and the actions on them, each confirmed first. */
@ApiExcludeController()
@UseFilters(ConsoleErrorFilter)
@UseGuards(ConsoleSessionGuard)
@Controller('console')
export class ConsoleOperationsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: DeliveriesService,
    private readonly targets: TargetsService,
    private readonly health: TargetHealthService,
  ) {}

  @Get('deliveries')
  async list(@Query() raw: Record<string, unknown>, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const { value, messages } = checked(ListDeliveriesQuery, raw);
    const filter = { state: value.state, target: value.target };
    const found = messages.length
      ? { items: [], total: 0, page: 1, limit: PAGE_SIZE }
      : await this.deliveries.list({ ...filter, page: value.page ?? 1, limit: PAGE_SIZE });
    const [known, paused] = await Promise.all([this.targets.knownTargets(), this.pausedTargets()]);
    sendPage(response, deliveriesPage(this.context(user), filter, DELIVERY_STATES, known, paused, found, messages), messages.length ? 400 : 200);
  }

  @Get('deliveries/:id')
  async one(@Param('id', ParseBigintIdPipe) id: string, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const delivery = await this.deliveries.get(id);
    sendPage(response, deliveryPage(this.context(user), delivery, delivery.attemptLog, (await this.pausedTargets()).has(delivery.target)));
  }

  @Get('deliveries/:id/retry')
  async confirmRetry(@Param('id', ParseBigintIdPipe) id: string, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const delivery = await this.deliveries.get(id);
    sendPage(
      response,
      confirmPage(this.context(user), {
        section: 'deliveries',
        title: `Retry delivery ${id}?`,
        question: `Delivery ${id} (${deliveryLabel(delivery)} to ${delivery.target}) is ${delivery.state} after ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}. Retrying gives it a fresh set of attempts, starting now.`,
        action: `${CONSOLE_PATH}/deliveries/${id}/retry`,
        button: 'Retry now',
        cancel: `${CONSOLE_PATH}/deliveries/${id}`,
      }),
    );
  }

  @Post('deliveries/:id/retry')
  async retry(@Param('id', ParseBigintIdPipe) id: string, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const back = `${CONSOLE_PATH}/deliveries/${id}`;
    try {
      const delivery = await this.deliveries.retry(id);
      sendPage(
        response,
        resultPage(this.context(user), 'deliveries', {
          title: `Delivery ${id} retried`,
          ok: true,
          message: `Delivery ${id} is ${delivery.state} again: its next attempt is due ${when(delivery.nextAttemptAt)} UTC.`,
          back,
          backText: `See delivery ${id}`,
        }),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'not_found') throw error;
      sendPage(
        response,
        resultPage(this.context(user), 'deliveries', {
          title: `Delivery ${id} not retried`,
          ok: false,
          message: error.message,
          back,
          backText: `See delivery ${id}`,
        }),
        409,
      );
    }
  }

  @Get('targets')
  async targetList(@CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    sendPage(response, targetsPage(this.context(user), await this.targets.targets()));
  }

  @Get('targets/:target/:action')
  async confirmTargetAction(
    @Param('target') raw: string,
    @Param('action') action: string,
    @CurrentUser() user: ConsoleUser,
    @Res() response: Response,
  ): Promise<void> {
    const target = targetParam(raw);
    const view = await this.targets.target(target);
    const context = this.context(user);
    if (action === 'recover') {
      sendPage(response, recoverForm(context, target, view.dead, new Date(Date.now() - 86_400_000).toISOString(), '', []));
      return;
    }
    if (action !== 'pause' && action !== 'resume')
      throw new BadRequestException(`there is no action "${action.slice(0, 20)}" on a target: pause, resume or recover`);
    sendPage(
      response,
      confirmPage(context, {
        section: 'targets',
        title: `${action === 'pause' ? 'Pause' : 'Resume'} ${target}?`,
        question:
          action === 'pause'
            ? `While ${target} is paused its ${view.waiting} waiting deliveries, and every new one, wait as they are: no attempt is made until you resume it. The automatic probe leaves a target paused by hand alone.`
            : `${target} is ${view.paused ? `paused (${view.pauseReason === 'manual' ? `by ${view.pausedBy ?? 'an admin'}` : 'automatically'})` : 'not paused'}. Resuming queues its waiting deliveries, each order's newest only.`,
        action: `${CONSOLE_PATH}/targets/${target}/${action}`,
        button: action === 'pause' ? `Pause ${target}` : `Resume ${target}`,
        danger: action === 'pause',
        cancel: `${CONSOLE_PATH}/targets`,
      }),
    );
  }

  @Post('targets/:target/pause')
  async pause(@Param('target') raw: string, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const view = await this.targets.pauseTarget(targetParam(raw), user.actor);
    sendPage(
      response,
      resultPage(this.context(user), 'targets', {
        title: `${view.target} paused`,
        ok: true,
        message: `${view.target} is paused: ${view.waiting} deliveries wait until it is resumed.`,
        back: `${CONSOLE_PATH}/targets`,
        backText: 'Back to the targets',
      }),
    );
  }

  @Post('targets/:target/resume')
  async resume(@Param('target') raw: string, @CurrentUser() user: ConsoleUser, @Res() response: Response): Promise<void> {
    const view = await this.targets.resumeTarget(targetParam(raw), user.actor);
    sendPage(
      response,
      resultPage(this.context(user), 'targets', {
        title: `${view.target} resumed`,
        ok: !view.paused,
        message: view.paused ? `${view.target} is still paused.` : `${view.target} is resumed: its ${view.waiting} waiting deliveries are queued.`,
        back: `${CONSOLE_PATH}/targets`,
        backText: 'Back to the targets',
      }),
    );
  }

  @Post('targets/:target/recover')
  async recover(
    @Param('target') raw: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() user: ConsoleUser,
    @Res() response: Response,
  ): Promise<void> {
    const target = targetParam(raw);
    const { value, messages } = checked(RecoverDeliveriesDto, { ...body, target });
    const context = this.context(user);
    if (messages.length) {
      const view = await this.targets.target(target);
      sendPage(response, recoverForm(context, target, view.dead, String(body.since ?? ''), String(body.until ?? ''), messages), 400);
      return;
    }
    try {
      const result = await this.deliveries.recover(value);
      sendPage(
        response,
        resultPage(context, 'targets', {
          title: `Dead deliveries of ${target} recovered`,
          ok: true,
          message: `${result.recovered} of ${result.matched} dead deliveries got a fresh set of attempts; ${result.superseded} stay dead (a newer status of their order replaces them).${result.targetPaused ? ` ${target} is paused: they wait until it is resumed.` : ''}`,
          back: `${CONSOLE_PATH}/deliveries?target=${target}`,
          backText: `See the deliveries of ${target}`,
        }),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'invalid') throw error;
      const view = await this.targets.target(target);
      sendPage(response, recoverForm(context, target, view.dead, value.since, value.until ?? '', [error.message]), 400);
    }
  }

  private context(user: ConsoleUser): PageContext {
    return { user, sandbox: this.config.sandbox };
  }

  private async pausedTargets(): Promise<Set<string>> {
    return new Set((await this.health.states()).filter((row) => row.paused).map((row) => row.target));
  }
}

/** Recovery asks for its range first: the form is its confirmation. */
function recoverForm(context: PageContext, target: string, dead: number, since: string, until: string, messages: string[]): string {
  return page(
    context,
    'targets',
    `Recover dead deliveries of ${target}`,
    html`<p><a href="${CONSOLE_PATH}/targets">← Targets</a></p>
<h1>Recover dead deliveries of ${target}?</h1>
<p>${badge(`${dead} dead`, dead ? 'bad' : 'ok')} Dead deliveries of ${target} created in the range get a fresh set of attempts; those whose order has a newer delivery to ${target} stay dead (the newer status replaces them).</p>
${problems(messages)}
<form method="post" action="${CONSOLE_PATH}/targets/${target}/recover" class="stack">
  ${csrfField(context.user)}
  <label>Created at or after (ISO 8601, UTC)<input type="text" name="since" value="${since}" required></label>
  <label>Created before (empty: now)<input type="text" name="until" value="${until}"></label>
  <div class="actions"><button type="submit" class="primary">Recover them</button><a class="button" href="${CONSOLE_PATH}/targets">Cancel</a></div>
</form>`,
  );
}
