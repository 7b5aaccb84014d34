import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, AdminOnly } from '../auth/admin-key.guard';
import { MarketAutomationView, MarketOrderDetailsView, PutMarketAutomationDto } from './dto/market-automation.dto';
import { MarketAutomationService } from './market-automation.service';

@ApiTags('admin: Yandex Market')
// An order's Market details are a section of GET /admin/orders/:id (the order.details channel).
@ApiExtraModels(MarketOrderDetailsView)
@AdminOnly()
@Controller('admin/market/campaigns')
export class MarketAutomationController {
  constructor(private readonly automation: MarketAutomationService) {}

  @Get()
  @ApiOperation({
    summary: 'Automation settings of every configured Market campaign',
    description: 'Campaigns without saved settings are not listed: they get only the status push.',
  })
  @ApiOkResponse({ type: MarketAutomationView, isArray: true })
  list(): Promise<MarketAutomationView[]> {
    return this.automation.list();
  }

  @Get(':campaignId/automation')
  @ApiOperation({
    summary: "A campaign's automation rules (the defaults, configured: false, when none were saved)",
    description: 'businessId, the IMSHOP storeId, the OMS number prefix and the four rules: fetchDetails, prepareTicket, pushStatuses, answerCancellations.',
  })
  @ApiOkResponse({ type: MarketAutomationView })
  get(@Param('campaignId') campaignId: string): Promise<MarketAutomationView> {
    return this.automation.get(campaignId);
  }

  @Put(':campaignId/automation')
  @ApiOperation({
    summary: "Set a campaign's business id, IMSHOP store and rules; fields left out keep their value",
    description:
      'Rules: fetchDetails (after ORDER_CREATED), prepareTicket (at PROCESSING/STARTED; the ticket is withdrawn if the order is cancelled), ' +
      'pushStatuses (outbound `market` mapping rows), answerCancellations (accept before shipping, refuse after). ' +
      'fetchDetails and prepareTicket need businessId; prepareTicket needs storeId.',
  })
  @ApiBody({
    type: PutMarketAutomationDto,
    examples: {
      all: {
        summary: 'every rule on',
        value: { businessId: '675789', storeId: '1456', rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true } },
      },
      off: { summary: 'stop creating tickets', value: { rules: { prepareTicket: false } } },
    },
  })
  @ApiOkResponse({ type: MarketAutomationView })
  @ApiBadRequestResponse({ schema: { example: { statusCode: 400, error: 'Bad Request', message: ['storeId is required while rules.prepareTicket is on'] } } })
  put(@Param('campaignId') campaignId: string, @Body() dto: PutMarketAutomationDto, @Actor() actor: string): Promise<MarketAutomationView> {
    return this.automation.put(campaignId, dto, actor);
  }
}
