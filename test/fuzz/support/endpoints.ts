import { ADMIN_KEY } from '../../support/test-app';

export const IMSHOP_KEY = 'imshop-fuzz-key-0123456789';

/** Missing, wrong and malformed IMSHOP credentials (answered 401, never stored). */
export const IMSHOP_BAD_AUTH: Record<string, string>[] = [
  {},
  { Authorization: 'Bearer wrong-key' },
  { Authorization: 'Bearer ' },
  { Authorization: `bearer ${IMSHOP_KEY}` },
  { Authorization: `Bearer ${IMSHOP_KEY}x` },
  { Authorization: `Basic ${Buffer.from(`x:${IMSHOP_KEY}`).toString('base64')}` },
  { Authorization: `Bearer ${'k'.repeat(4000)}` },
  { 'X-Api-Key': ADMIN_KEY },
];

/** Missing, wrong and malformed admin credentials. */
export const ADMIN_BAD_AUTH: Record<string, string>[] = [
  {},
  { 'X-Api-Key': 'wrong-key' },
  { 'X-Api-Key': `${ADMIN_KEY} ` },
  { 'X-Api-Key': ADMIN_KEY.toUpperCase() },
  { 'X-Api-Key': 'k'.repeat(4000) },
  { Authorization: `Bearer ${ADMIN_KEY}x` },
  { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` },
];
