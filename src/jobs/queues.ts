/**
 * Every queue kadr uses, with its payload type. A queue carries only ids: the database row is the
 * truth about the work (status, progress, resume state), the queue only says "look at this one".
 */
export interface QueueDefinition<Payload extends object> {
  readonly name: string;
  /** Phantom field that carries the payload type; never set. */
  readonly payload?: Payload;
  /** How long one run may take before pg-boss gives the job to another worker. */
  readonly expireInSeconds: number;
  readonly retryLimit: number;
}

function defineQueue<Payload extends object>(
  name: string,
  options: Omit<QueueDefinition<Payload>, 'name' | 'payload'>,
): QueueDefinition<Payload> {
  return { name, ...options };
}

export const queues = {
  // Long videos may run for hours; a dead worker is detected sooner by the video heartbeat
  // (app/video-recovery.ts), so expiry here is only the last safety net.
  videoAnalyze: defineQueue<{ videoId: string }>('video-analyze', {
    expireInSeconds: 6 * 3600,
    retryLimit: 5,
  }),
} as const;

export type QueueName = keyof typeof queues;
export type PayloadOf<Q> = Q extends QueueDefinition<infer P> ? P : never;
