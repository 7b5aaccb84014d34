import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { maskCredentials, maskHeaders } from '../common/credentials';
import { InvalidInputError } from '../common/domain-error';
import { Handles } from '../events/channels';
import { deleteInBatches, RETENTION_STEP, type RetentionCutoffs } from '../retention/retention-step';
import type { SandboxFaultDto, SandboxFaultView, SandboxPeer, SandboxRequestView } from './dto/sandbox-admin.dto';
import { marketError, type FaultInEffect, type PeerAnswer } from './sandbox-peer';
import { SandboxRepository, type RecordedRequestValues } from './sandbox.repository';

/** Recorded requests kept at most, whatever the retention job's schedule: a flood of requests cannot fill the disk. */
export const SANDBOX_REQUESTS_KEPT = 10_000;

/**
 * What the sandbox peers received (recorded, secrets masked; the newest SANDBOX_REQUESTS_KEPT at most, none older
 * than RETENTION_EVENTS_DAYS), and the faults an admin sets for their next requests.
 */
@Injectable()
export class SandboxRecorder implements OnModuleDestroy {
  private readonly faults = new Map<SandboxPeer, SandboxFaultView>();
  /** Connections a `noAnswer` fault holds open: let go at shutdown. */
  private readonly held = new Set<() => void>();

  constructor(private readonly repository: SandboxRepository) {}

  onModuleDestroy(): void {
    for (const release of this.held) release();
    this.held.clear();
  }

  /** Keeps a connection that gets no answer until the caller gives up, the hold times out or the app stops. */
  holdOpen(release: () => void, maxMs: number): void {
    const once = () => {
      clearTimeout(timer);
      this.held.delete(once);
      release();
    };
    const timer = setTimeout(once, maxMs);
    timer.unref();
    this.held.add(once);
  }

  // ---------------------------------------------------------------- faults

  setFault(dto: SandboxFaultDto): SandboxFaultView {
    if (dto.noAnswer && dto.status !== undefined)
      throw new InvalidInputError(['noAnswer and status exclude each other: a peer that never answers gives no status']);
    if (!dto.noAnswer && dto.status === undefined && !dto.delayMs) throw new InvalidInputError(['give status, delayMs or noAnswer: what should the peer do?']);
    const delayMs = dto.delayMs ?? 0;
    const description = [dto.noAnswer ? 'no answer' : dto.status !== undefined ? `HTTP ${dto.status}` : null, delayMs ? `after ${delayMs} ms` : null]
      .filter(Boolean)
      .join(' ');
    const fault: SandboxFaultView = { peer: dto.peer, remaining: dto.count, status: dto.status ?? null, delayMs, noAnswer: dto.noAnswer ?? false, description };
    this.faults.set(dto.peer, fault);
    return { ...fault };
  }

  listFaults(): SandboxFaultView[] {
    return [...this.faults.values()].map((fault) => ({ ...fault }));
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The fault for the request in hand, if one is waiting (counted down). */
  takeFault(peer: SandboxPeer): FaultInEffect | null {
    const fault = this.faults.get(peer);
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.delete(peer);
    return { status: fault.status, delayMs: fault.delayMs, noAnswer: fault.noAnswer, description: fault.description };
  }

  faultAnswer(peer: SandboxPeer, status: number): PeerAnswer {
    const message = `sandbox fault: HTTP ${status} (POST /admin/sandbox/faults)`;
    return peer === 'imshop'
      ? { status, body: { success: false, errorCode: 'SANDBOX_FAULT', errorMessage: message } }
      : { status, body: marketError('SANDBOX_FAULT', message) };
  }

  // ---------------------------------------------------------------- recorded requests

  async record(values: RecordedRequestValues): Promise<void> {
    // Every credential header and body field, by its name (common/credentials.ts): what the sandbox keeps can be shown to anyone with the admin key.
    const id = await this.repository.record({ ...values, headers: maskHeaders(values.headers), body: maskCredentials(values.body) });
    await this.repository.keepNewestRequests(id, SANDBOX_REQUESTS_KEPT);
  }

  /** The retention job's step for sandbox_requests: requests older than RETENTION_EVENTS_DAYS. */
  @Handles(RETENTION_STEP, 'sandbox_requests')
  async deleteOldRequests(cutoffs: RetentionCutoffs): Promise<number> {
    return deleteInBatches(cutoffs.batchSize, (limit) => this.repository.deleteRequestsReceivedBefore(cutoffs.eventsBefore, limit));
  }

  async listRequests(query: {
    peer?: SandboxPeer;
    page?: number;
    limit?: number;
  }): Promise<{ items: SandboxRequestView[]; total: number; page: number; limit: number }> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 50;
    const { items, total } = await this.repository.listRequests({ peer: query.peer, limit, offset: (page - 1) * limit });
    return {
      items: items.map((row) => ({
        id: row.id,
        peer: row.peer,
        method: row.method,
        path: row.path,
        headers: row.headers,
        body: row.body,
        answer: { status: row.responseStatus, body: row.responseBody },
        fault: row.fault,
        receivedAt: row.receivedAt,
        durationMs: row.durationMs,
      })),
      total,
      page,
      limit,
    };
  }
}
