export { JobQueue } from './job-queue.js';
export type { JobHandler, JobOutcome, JobQueueOptions } from './job-queue.js';
export { queues } from './queues.js';
export type { QueueDefinition, QueueName, PayloadOf } from './queues.js';
