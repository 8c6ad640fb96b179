import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/database.js';
import { recipientTotals } from './notices.js';
import { consentCounts } from './consent-repository.js';

/**
 * Notices on /metrics, read at each scrape: recipients by status over every notice
 * (sent, delivered, fallback, failed…) and the consent ledger's size. The `notices` queue's jobs
 * are in sotong_queue_jobs{queue="notices"} with the other queues.
 * A source that fails leaves its gauge empty for that scrape.
 */
export function registerNoticeMetrics(registry: Registry, db: Db): void {
  new Gauge({
    name: 'sotong_notice_recipients',
    help: 'Recipients of notices by status (queued, sending, sent, delivered, fallback, failed, skipped, unknown)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const totals = await recipientTotals(db).catch(() => null);
      if (!totals) return;
      for (const [status, n] of Object.entries(totals)) if (status !== 'total') this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'sotong_notice_consents',
    help: 'Consents in the notices ledger by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await consentCounts(db).catch(() => null);
      if (!counts) return;
      this.set({ status: 'active' }, counts.active);
      this.set({ status: 'withdrawn' }, counts.withdrawn);
    },
  });
}
