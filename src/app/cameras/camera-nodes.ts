/**
 * Divides the cameras between the `kadr serve` processes that share one database (docs/nodes.md).
 * Each heartbeat this node renews its row and its camera leases (with each camera's health), drops
 * what it no longer holds, then moves towards its fair share, ceil(cameras / live nodes): it claims
 * free cameras (never leased, given back, or expired because their owner died) while under it and
 * gives cameras back while over it. Expiry is judged on the database's clock; this node's own clock
 * only measures how long ago its last renewal was sent, to stop its cameras before their leases can
 * expire while the database is out of reach.
 */
import { performance } from 'node:perf_hooks';
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CameraLeasesRepository, CameraPlacement, NodeRow } from '../../db/index.js';
import type { CameraHealthLike } from './camera-runtime.js';

/** What the owner writes into a lease on each heartbeat, for every node to show. */
export interface CameraSnapshot extends CameraHealthLike {
  recording: boolean;
}

/** Why a camera's recording has a gap when this node starts it (a camera_gaps reason). */
export type HandoverReason = 'owner-lost' | 'owner-changed' | 'lease-resumed';

/** The cameras service, as the lease keeper drives it. */
export interface OwnedCameras {
  /**
   * This node now owns the camera: run it (and record it when switched on). False: it must not hold
   * it (a push camera whose old lease it found after a restart: no session sends here now).
   */
  adopt(cameraId: string, gapReason: HandoverReason | undefined): Promise<boolean | void>;
  /** This node no longer owns the camera: stop it now (the recording's last segment is stored). */
  release(cameraId: string): Promise<void>;
  /** Applies registry changes (made on any node) to the cameras this node owns. */
  sync(ownedIds: readonly string[]): Promise<void>;
  snapshot(cameraId: string): CameraSnapshot;
}

export interface CameraNodesOptions {
  repo: CameraLeasesRepository;
  node: NodeRow;
  heartbeatMs: number;
  leaseMs: number;
  log: Logger;
}

export class CameraNodes {
  private readonly owned = new Set<string>();
  /**
   * Push cameras this node holds because a session sends here (docs/ingest.md): never shared out,
   * shed or claimed by the fair share; the lease goes back when the session ends.
   */
  private readonly pushed = new Set<string>();
  private cameras: OwnedCameras | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Fires one heartbeat before the leases can expire unrenewed: every camera is stopped then. */
  private expiry: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private busy = false;
  private closed = false;

  constructor(private readonly o: CameraNodesOptions) {}

  get node(): NodeRow {
    return this.o.node;
  }

  owns(cameraId: string): boolean {
    return this.owned.has(cameraId);
  }

  /** Registers the node, takes its first share, then keeps heartbeating. */
  async start(cameras: OwnedCameras): Promise<void> {
    this.cameras = cameras;
    this.o.log.info('node joins', {
      node: this.o.node.id,
      http: this.o.node.httpUrl,
      rtsp: this.o.node.rtspUrl,
    });
    await this.tick();
    this.timer = setInterval(() => {
      // A heartbeat still waiting for the database is not doubled; the expiry timer guards it.
      if (!this.busy) void this.tick();
    }, this.o.heartbeatMs);
    this.timer.unref();
  }

  /** One heartbeat now (after the one running, if any): a new camera is claimed without waiting. */
  tick(): Promise<void> {
    // Before start() (a camera added while the server is still starting) nothing is claimed: the
    // first heartbeat of start() does it, with the cameras service to hand claimed cameras to.
    const run = this.queue.then(() => (this.closed || !this.cameras ? undefined : this.beat()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes the lease of a push camera whose session opens on this node; false when another node holds
   * it alive (a session sends there).
   */
  async holdPush(cameraId: string): Promise<boolean> {
    if (this.owned.has(cameraId)) {
      this.pushed.add(cameraId);
      return true;
    }
    const lease = await this.o.repo.claimOne(this.o.node.id, this.o.leaseMs, cameraId);
    if (!lease) return false;
    this.owned.add(cameraId);
    this.pushed.add(cameraId);
    this.o.log.info('push camera lease taken', { camera: cameraId });
    return true;
  }

  /** A push camera's session ended here: its lease is given back (no node runs it until the next). */
  async letGoPush(cameraId: string): Promise<void> {
    if (!this.pushed.delete(cameraId)) return;
    await this.drop(cameraId);
    await this.o.repo
      .release(this.o.node.id, [cameraId])
      .catch((error: unknown) =>
        this.o.log.warn('could not give a push camera lease back', { error: describeError(error) }),
      );
  }

  /** Forgets a camera this node deleted itself (its lease went with the row). */
  forget(cameraId: string): void {
    this.owned.delete(cameraId);
    this.pushed.delete(cameraId);
  }

  /** Every camera with a live lease and its owner. */
  placements(): Promise<Map<string, CameraPlacement>> {
    return this.o.repo.placements();
  }

  /** The node that owns the camera of that name when it is another one (for a redirect). */
  async ownerElsewhere(cameraName: string): Promise<NodeRow | undefined> {
    const p = await this.o.repo.placementByName(cameraName);
    return p && p.node.id !== this.o.node.id ? p.node : undefined;
  }

  /** Stops every camera, gives the leases back and leaves: another node takes them at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.expiry);
    await this.queue;
    await this.dropAll('node shutting down');
    await this.o.repo
      .leave(this.o.node.id)
      .catch((error: unknown) =>
        this.o.log.warn('could not give the camera leases back', { error: describeError(error) }),
      );
  }

  private async beat(): Promise<void> {
    const cameras = this.cameras!;
    const { repo, node, leaseMs } = this.o;
    const log = this.o.log;
    this.busy = true;
    const sentAt = performance.now();
    try {
      await repo.heartbeatNode(node, leaseMs);
      const health: Record<string, unknown> = {};
      for (const id of this.owned) health[id] = cameras.snapshot(id);
      const kept = await repo.renew(node.id, leaseMs, health);
      this.armExpiry(sentAt);
      for (const id of [...this.owned]) {
        if (kept.has(id)) continue;
        log.warn('camera lease lost: stopping the camera', { camera: id });
        await this.drop(id);
      }
      // Leases this node holds without running them: it restarted under the same id within a
      // lease, or stopped them when a renewal was late and the renewal went through after all.
      for (const id of kept) {
        if (this.owned.has(id)) continue;
        this.owned.add(id);
        if ((await cameras.adopt(id, 'lease-resumed')) === false) {
          this.owned.delete(id);
          await repo.release(node.id, [id]);
        }
      }
      // The fair share counts pulled cameras only: push cameras run where their session is.
      const { nodes, cameras: total } = await repo.counts();
      const share = Math.ceil(total / Math.max(1, nodes));
      const pulled = this.owned.size - this.pushed.size;
      if (pulled > share) await this.shed(pulled - share, share);
      else if (pulled < share) await this.claim(share - pulled);
      await cameras.sync([...this.owned]);
    } catch (error) {
      log.warn('node heartbeat failed', { error: describeError(error) });
    } finally {
      this.busy = false;
    }
  }

  private async claim(limit: number): Promise<void> {
    const taken = await this.o.repo.claim(this.o.node.id, this.o.leaseMs, limit);
    for (const lease of taken) {
      this.owned.add(lease.cameraId);
      const reason: HandoverReason | undefined =
        lease.previousNodeId === null ? undefined : lease.previousLost ? 'owner-lost' : 'owner-changed';
      this.o.log.info('camera lease taken', {
        camera: lease.cameraId,
        ...(lease.previousNodeId ? { from: lease.previousNodeId, lost: lease.previousLost } : {}),
      });
      await this.cameras!.adopt(lease.cameraId, reason);
    }
  }

  /** Gives `count` cameras back (stopped first, so their last segments are stored before). */
  private async shed(count: number, share: number): Promise<void> {
    const ids = [...this.owned].filter((id) => !this.pushed.has(id)).slice(-count);
    this.o.log.info('giving cameras back to reach the fair share', { cameras: ids, share });
    for (const id of ids) await this.drop(id);
    await this.o.repo.release(this.o.node.id, ids);
  }

  /**
   * After a renewal sent at `sentAt` (performance.now()), the leases end no earlier than a lease
   * later on the database's clock: every camera is stopped one heartbeat before that unless a newer
   * renewal succeeds first, so that it never runs here and on the node that takes it next.
   */
  private armExpiry(sentAt: number): void {
    clearTimeout(this.expiry);
    const inMs = sentAt + this.o.leaseMs - this.o.heartbeatMs - performance.now();
    this.expiry = setTimeout(
      () => {
        void this.dropAll('leases not renewed in time (database unreachable or too slow)');
      },
      Math.max(0, inMs),
    );
    this.expiry.unref();
  }

  /**
   * Stops the pulled cameras, whose leases another node may take once they expire. A push camera's
   * session stays: its media arrives here and nowhere else, and no node claims a push camera by its
   * fair share; dropping it would also lose that it is a push camera, and a renewal that goes through
   * after all would then resume it as a pulled one.
   */
  private async dropAll(why: string): Promise<void> {
    const pulled = [...this.owned].filter((id) => !this.pushed.has(id));
    if (pulled.length) this.o.log.warn('stopping every pulled camera', { why, cameras: pulled.length });
    await Promise.all(pulled.map((id) => this.drop(id)));
  }

  private async drop(id: string): Promise<void> {
    this.owned.delete(id);
    this.pushed.delete(id);
    await this.cameras!.release(id).catch((error: unknown) =>
      this.o.log.error('could not stop a camera', { camera: id, error: describeError(error) }),
    );
  }
}
