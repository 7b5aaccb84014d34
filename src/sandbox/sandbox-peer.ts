/** What the sandbox peers answer, and the error bodies they share. */

/** An answer of a sandbox peer. */
export interface PeerAnswer {
  status: number;
  body: unknown;
}

/** What a peer does with the request in hand, when a fault is waiting for it. */
export interface FaultInEffect {
  status: number | null;
  delayMs: number;
  noAnswer: boolean;
  description: string;
}

export function marketError(code: string, message: string) {
  return { status: 'ERROR', errors: [{ code, message }] };
}
