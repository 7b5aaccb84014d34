/**
 * Outbound rows of target `market` map an internal status to a Market status (`code`) and substatus
 * (`externalSubstatus`: for outbound rows the column holds the substatus *sent*). Only what Market lets a DBS
 * shop set through `PUT v2/campaigns/{campaignId}/orders/{orderId}/status` is accepted:
 * PROCESSING/READY_TO_SHIP (assembled), CANCELLED with a shop-side reason (SHOP_FAILED, ...), DELIVERY, PICKUP,
 * DELIVERED.
 */
export const MARKET_SHOP_STATUSES: Record<string, { substatuses: readonly string[]; substatusRequired: boolean }> = {
  PROCESSING: { substatuses: ['READY_TO_SHIP'], substatusRequired: true },
  CANCELLED: {
    substatuses: [
      'SHOP_FAILED',
      'USER_UNREACHABLE',
      'USER_CHANGED_MIND',
      'USER_REFUSED_DELIVERY',
      'USER_REFUSED_PRODUCT',
      'USER_REFUSED_QUALITY',
      'REPLACING_ORDER',
      'PICKUP_EXPIRED',
    ],
    substatusRequired: true,
  },
  DELIVERY: { substatuses: [], substatusRequired: false },
  PICKUP: { substatuses: [], substatusRequired: false },
  DELIVERED: { substatuses: [], substatusRequired: false },
};

/** Problems of an outbound market row (empty when Market accepts the status/substatus from a shop). */
export function marketOutboundProblems(code: string | null, substatus: string | null): string[] {
  const rule = code ? MARKET_SHOP_STATUSES[code] : undefined;
  if (!rule) return [`code must be a status a shop may set on Market: ${Object.keys(MARKET_SHOP_STATUSES).join(', ')}`];
  if (substatus === null)
    return rule.substatusRequired ? [`externalSubstatus is required for Market status ${code} (one of ${rule.substatuses.join(', ')})`] : [];
  if (!rule.substatuses.includes(substatus)) {
    return [
      rule.substatuses.length
        ? `externalSubstatus must be one of ${rule.substatuses.join(', ')} for Market status ${code}`
        : `externalSubstatus must be omitted for Market status ${code}`,
    ];
  }
  return [];
}
