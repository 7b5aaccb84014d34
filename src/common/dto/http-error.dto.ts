import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The error body of every route outside the peers' own protocols (Market's /market, the sandbox peers): Nest's
 * exception body, as HttpErrorFilter answers it. A 400 lists each problem, naming its field.
 */
export class HttpErrorBody {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode: number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['internalStatus must be one of the following values: NEW, PROCESSING, READY_TO_SHIP'],
    description: 'What went wrong: one message, or (400) one per problem, each naming its field',
  })
  message: string | string[];

  @ApiPropertyOptional({ example: 'Bad Request', description: "The status's name, or the kind of problem (e.g. entity.parse.failed for broken JSON)" })
  error?: string;
}
