/**
 * A thin adapter over pg-boss 10 (a durable queue in PostgreSQL; graphile-worker 0.18 needs
 * Node 22 and pg-boss 11 too, pg-boss 10 runs on Node 20). It adds typed queues, a handler
 * outcome, and a start-up check that every queue has a handler.
 */
import PgBoss from 'pg-boss';
import { KadrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { queues, type PayloadOf, type QueueDefinition, type QueueName } from './queues.js';

/** What a handler did with a job; throw only for bugs (pg-boss then retries the job). */
export type JobOutcome = 'done' | 'skipped' | 'failed';

export type JobHandler<P> = (payload: P, meta: { jobId: string }) => Promise<JobOutcome>;

export interface JobQueueOptions {
  url: string;
  log: Logger;
  /** pg-boss's own tables live in this schema. */
  schema?: string;
  /** How often an idle worker asks for a job. */
  pollingIntervalSeconds?: number;
}

export class JobQueue {
  private readonly handlers = new Map<string, { handler: JobHandler<never>; concurrency: number }>();
  private started = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly log: Logger,
    private readonly pollingIntervalSeconds: number,
  ) {}

  static async start(options: JobQueueOptions): Promise<JobQueue> {
    const log = options.log.child({ module: 'jobs' });
    const boss = new PgBoss({
      connectionString: options.url,
      schema: options.schema ?? 'pgboss',
      max: 4,
      application_name: 'kadr-jobs',
    });
    // pg-boss reports connection and maintenance problems here; without a listener an
    // EventEmitter 'error' would crash the process.
    boss.on('error', (e) => log.error('queue error', { error: e.message }));
    await boss.start();
    try {
      for (const q of Object.values(queues)) await createQueue(boss, q);
    } catch (error) {
      // A started boss holds a pool and timers: without this the process would never exit.
      await boss.stop({ graceful: false }).catch(() => undefined);
      throw error;
    }
    return new JobQueue(boss, log, options.pollingIntervalSeconds ?? 1);
  }

  async send<Q extends QueueDefinition<object>>(
    queue: Q,
    payload: PayloadOf<Q>,
    options: { startAfterSeconds?: number } = {},
  ): Promise<void> {
    await this.boss.send(queue.name, payload as object, {
      expireInSeconds: queue.expireInSeconds,
      retryLimit: queue.retryLimit,
      ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
    });
  }

  /** Registers the handler for a queue; it runs when start() is called. */
  handle<Q extends QueueDefinition<object>>(
    queue: Q,
    concurrency: number,
    handler: JobHandler<PayloadOf<Q>>,
  ): void {
    this.handlers.set(queue.name, { handler: handler as JobHandler<never>, concurrency });
  }

  /**
   * Starts the workers. Fails when a queue has no handler: a job sent there would wait forever
   * (Immich's start-up check).
   */
  async startWorkers(required: QueueName[] = Object.keys(queues) as QueueName[]): Promise<void> {
    const missing = required.filter((k) => !this.handlers.has(queues[k].name)).map((k) => queues[k].name);
    if (missing.length) {
      throw new KadrError('KADR_ERR_INTERNAL', `no handler for queue ${missing.join(', ')}`, {
        hint: 'register one with jobQueue.handle(queues.<name>, concurrency, handler) in app/create-app.ts before starting workers',
      });
    }
    if (this.started) return;
    this.started = true;
    for (const [name, { handler, concurrency }] of this.handlers) {
      // pg-boss 10 runs one job at a time per work() call; N calls give N concurrent jobs.
      for (let i = 0; i < concurrency; i++) {
        await this.boss.work<object>(
          name,
          { batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds },
          async ([job]) => {
            if (!job) return;
            const outcome = await (handler as JobHandler<object>)(job.data, { jobId: job.id });
            this.log.debug('job finished', { queue: name, jobId: job.id, outcome });
          },
        );
      }
    }
  }

  /** Stops fetching new jobs, waits for the running handlers (which the caller aborts), then closes. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
  }
}

/**
 * Creates a queue unless it exists. Several processes starting at once on a new database (nodes
 * sharing cameras, docs/nodes.md) may all try: PostgreSQL then aborts one with a deadlock or a
 * duplicate, which is harmless once the winner has committed, so the loser looks again a moment later.
 */
async function createQueue(boss: PgBoss, q: QueueDefinition<object>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(q.name)) return;
    try {
      await boss.createQueue(q.name, {
        name: q.name,
        expireInSeconds: q.expireInSeconds,
        retryLimit: q.retryLimit,
        retryDelay: 1,
      });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
