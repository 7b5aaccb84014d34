import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQuery } from '../../common/page';

export const SANDBOX_PEERS = ['imshop', 'market'] as const;
export type SandboxPeer = (typeof SANDBOX_PEERS)[number];

export class ListSandboxRequestsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SANDBOX_PEERS, example: 'imshop', description: 'Only what this peer received.' })
  @IsOptional()
  @IsIn(SANDBOX_PEERS)
  peer?: SandboxPeer;
}

/** `POST /admin/sandbox/faults`: how a peer answers its next `count` requests. */
export class SandboxFaultDto {
  @ApiProperty({ enum: SANDBOX_PEERS, example: 'imshop', description: 'The sandbox peer that misbehaves.' })
  @IsIn(SANDBOX_PEERS)
  peer: SandboxPeer;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    example: 3,
    description: 'How many of its next requests get the fault; a new fault replaces the one waiting.',
  })
  @IsInt()
  @Min(1)
  @Max(1000)
  count: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 200, maximum: 599, example: 503, description: "Answer with this HTTP status (and the peer's error body)." })
  @IsOptional()
  @IsInt()
  @Min(200)
  @Max(599)
  status?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 120000,
    example: 0,
    description: 'Wait this long before answering (with `status`, or normally).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(120_000)
  delayMs?: number;

  @ApiPropertyOptional({ example: false, description: 'Never answer: the caller runs into its timeout (DELIVERY_TIMEOUT_MS).' })
  @IsOptional()
  @IsBoolean()
  noAnswer?: boolean;
}

export class SandboxFaultView {
  @ApiProperty({ enum: SANDBOX_PEERS, example: 'imshop' }) peer: SandboxPeer;
  @ApiProperty({ type: 'integer', example: 3, description: 'Requests still to get the fault.' }) remaining: number;
  @ApiPropertyOptional({ type: 'integer', example: 503, nullable: true }) status: number | null;
  @ApiProperty({ type: 'integer', example: 0 }) delayMs: number;
  @ApiProperty({ example: false }) noAnswer: boolean;
  @ApiProperty({ example: 'HTTP 503', description: 'How the fault is shown in the recorded requests.' }) description: string;
}

export class SandboxAnswerView {
  @ApiPropertyOptional({ type: 'integer', example: 200, nullable: true, description: 'Null: no answer was given (a noAnswer fault).' })
  status: number | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { success: true, status: 'created', ticketId: 'rsp-sbx-1' }, nullable: true })
  body: unknown;
}

export class SandboxRequestView {
  @ApiProperty({ example: '12' }) id: string;
  @ApiProperty({ enum: SANDBOX_PEERS, example: 'imshop' }) peer: string;
  @ApiProperty({ example: 'POST' }) method: string;
  @ApiProperty({ example: '/tickets', description: "Path under the peer's base URL (/sandbox/imshop or /sandbox/market), with the query." }) path: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'content-type': 'application/json', authorization: 'Bearer [masked]' },
    description: 'Authentication headers masked.',
  })
  headers: Record<string, string>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { type: 'prepare', orderId: 'YM-46830651', storeId: '1456' },
    nullable: true,
    description: 'Keys in the body masked.',
  })
  body: unknown;
  @ApiProperty({ type: () => SandboxAnswerView }) answer: SandboxAnswerView;
  @ApiPropertyOptional({ type: 'string', example: null, nullable: true, description: 'The fault that shaped the answer, if any.' }) fault: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-24T12:00:00.000Z' }) receivedAt: Date;
  @ApiProperty({ type: 'integer', example: 4 }) durationMs: number;
}

export class SandboxRequestPage {
  @ApiProperty({ type: () => [SandboxRequestView] }) items: SandboxRequestView[];
  @ApiProperty({ example: 1 }) total: number;
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 50 }) limit: number;
}

/** The sandbox IMSHOP's error answers (IMSHOP's documented shape). */
export class SandboxImshopErrorBody {
  @ApiProperty({ enum: [false], example: false }) success: false;
  @ApiProperty({ example: 'FORBIDDEN' }) errorCode: string;
  @ApiProperty({ example: 'bad token: the key is not the one this sandbox IMSHOP knows' }) errorMessage: string;
}

export class SandboxMarketErrorItem {
  @ApiProperty({ example: 'NOT_FOUND' }) code: string;
  @ApiProperty({ example: 'order 46830651 of campaign 21683701 is not known to this sandbox Market (send its ORDER_CREATED first)' }) message: string;
}

/** The sandbox Market's error answers (the partner API's ApiErrorResponse). */
export class SandboxMarketErrorBody {
  @ApiProperty({ enum: ['ERROR'], example: 'ERROR' }) status: 'ERROR';
  @ApiProperty({ type: SandboxMarketErrorItem, isArray: true }) errors: SandboxMarketErrorItem[];
}
