import { BlockList, isIPv4 } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { MarketErrorBody } from './market-answer';

/**
 * Market signs nothing; its documented protection is the source network. Runs before the body is
 * read, so a request from elsewhere is refused without being parsed or stored.
 */
export function marketIpAllowlist(cidrs: string[] | null) {
  if (cidrs === null) return (_req: Request, _res: Response, next: NextFunction) => next();
  const allowed = new BlockList();
  for (const cidr of cidrs) {
    const [network, prefix] = cidr.split('/');
    allowed.addSubnet(network, Number(prefix), isIPv4(network) ? 'ipv4' : 'ipv6');
  }
  return (req: Request, res: Response, next: NextFunction) => {
    const address = clientAddress(req.ip);
    if (address && allowed.check(address.ip, address.family)) return next();
    const body: MarketErrorBody = { error: { type: 'UNKNOWN', message: `source address ${req.ip ?? 'unknown'} is not allowed` } };
    res.status(403).json(body);
  };
}

function clientAddress(ip: string | undefined): { ip: string; family: 'ipv4' | 'ipv6' } | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return { ip: mapped[1], family: 'ipv4' };
  return { ip, family: isIPv4(ip) ? 'ipv4' : 'ipv6' };
}
