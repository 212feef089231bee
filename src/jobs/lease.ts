import { randomUUID } from "node:crypto";
import type { ServiceDb } from "../db/service/open.js";

/**
 * A lease on a key (in the service database, so every process sees it): held while work that
 * must not run twice at once goes on, renewed every third of its length, and given up at the
 * end. A holder that dies stops renewing; the lease runs out and the next job takes it.
 */
export class Lease {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: ServiceDb,
    readonly key: string,
    private readonly holder: string,
    private readonly ms: number,
  ) {}

  /** The lease, or undefined while another holder's is current. */
  static async acquire(db: ServiceDb, key: string, ms = 60_000): Promise<Lease | undefined> {
    const holder = randomUUID();
    const now = Date.now();
    await db
      .insertInto("job_leases")
      .values({ lease_key: key, holder, expires_at: now + ms })
      .onConflict((oc) =>
        oc
          .column("lease_key")
          .doUpdateSet({ holder, expires_at: now + ms })
          .where("job_leases.expires_at", "<", now),
      )
      .execute();
    const row = await db
      .selectFrom("job_leases")
      .select("holder")
      .where("lease_key", "=", key)
      .executeTakeFirst();
    if (row?.holder !== holder) return undefined;
    const lease = new Lease(db, key, holder, ms);
    lease.timer = setInterval(() => void lease.renew().catch(() => {}), Math.max(1000, ms / 3));
    lease.timer.unref();
    return lease;
  }

  private async renew(): Promise<void> {
    await this.db
      .updateTable("job_leases")
      .set({ expires_at: Date.now() + this.ms })
      .where("lease_key", "=", this.key)
      .where("holder", "=", this.holder)
      .execute();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.db
      .deleteFrom("job_leases")
      .where("lease_key", "=", this.key)
      .where("holder", "=", this.holder)
      .execute();
  }
}
