import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { exampleOf } from '../../common/swagger-example';
import { validateDto } from '../../common/validate-dto';
import { AppCancellationDto, normaliseCancellation } from './app-cancellation.dto';
import { APP_CANCELLATION_EXAMPLES } from './swagger-examples';

/** The Swagger request examples are built from `@ApiProperty({ example })`: they must pass validation. */
describe('Swagger examples of the IMSHOP DTOs', () => {
  it.each([['AppCancellationDto', AppCancellationDto]] as const)('%s example is valid', (_name, dto) => {
    const result = validateDto(dto as new () => object, exampleOf(dto));
    expect(result.ok ? [] : result.messages).toEqual([]);
  });

  it('normalises the cancellation example', () => {
    expect(normaliseCancellation(exampleOf(AppCancellationDto))).toMatchObject({ ok: true, orderRef: { omsOrderNumber: '12345' } });
  });
});

/** The endpoints' Swagger request examples must be requests the endpoints accept. */
describe('Swagger request examples of the ticket and cancellation endpoints', () => {
  it('the cancellation examples are the seed shape and the newer shape', () => {
    expect(normaliseCancellation(APP_CANCELLATION_EXAMPLES.seed.value)).toMatchObject({ ok: true, shape: 'seed' });
    expect(normaliseCancellation(APP_CANCELLATION_EXAMPLES.current.value)).toMatchObject({ ok: true, shape: 'current', orderRef: { omsOrderNumber: '12345' } });
  });
});
