/**
 * The data of the Redis stand-in: numbered logical databases of string values, each key with an
 * optional expiry. Keys are latin1 strings so any byte sequence is a distinct key.
 */

interface Entry {
  value: Buffer;
  /** Epoch milliseconds; undefined when the key never expires. */
  expiresAt: number | undefined;
}

export class Keyspace {
  private readonly databases: Map<string, Entry>[];

  constructor(
    readonly size = 16,
    private readonly now: () => number = Date.now,
  ) {
    this.databases = Array.from({ length: size }, () => new Map<string, Entry>());
  }

  private live(db: number, key: string): Entry | undefined {
    const entry = this.databases[db]!.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.databases[db]!.delete(key);
      return undefined;
    }
    return entry;
  }

  get(db: number, key: string): Buffer | undefined {
    return this.live(db, key)?.value;
  }

  exists(db: number, key: string): boolean {
    return this.live(db, key) !== undefined;
  }

  /** Stores a value; `keepTtl` keeps an existing expiry (INCR and SET KEEPTTL do). */
  set(db: number, key: string, value: Buffer, expiresAt?: number, keepTtl = false): void {
    const previous = keepTtl ? this.live(db, key)?.expiresAt : undefined;
    this.databases[db]!.set(key, { value, expiresAt: expiresAt ?? previous });
  }

  delete(db: number, key: string): boolean {
    return this.live(db, key) !== undefined && this.databases[db]!.delete(key);
  }

  /** Sets or clears the expiry of an existing key; false when the key does not exist. */
  expire(db: number, key: string, expiresAt: number): boolean {
    const entry = this.live(db, key);
    if (!entry) return false;
    if (expiresAt <= this.now()) this.databases[db]!.delete(key);
    else entry.expiresAt = expiresAt;
    return true;
  }

  /** Milliseconds left, -1 for a key without expiry, -2 for a missing key (Redis' convention). */
  ttlMs(db: number, key: string): number {
    const entry = this.live(db, key);
    if (!entry) return -2;
    return entry.expiresAt === undefined ? -1 : entry.expiresAt - this.now();
  }

  keys(db: number): string[] {
    this.sweep(db);
    return [...this.databases[db]!.keys()];
  }

  count(db: number): { keys: number; expires: number } {
    this.sweep(db);
    let expires = 0;
    for (const entry of this.databases[db]!.values()) if (entry.expiresAt !== undefined) expires++;
    return { keys: this.databases[db]!.size, expires };
  }

  flush(db?: number): void {
    if (db === undefined) for (const database of this.databases) database.clear();
    else this.databases[db]!.clear();
  }

  /** Drops expired keys, so memory does not grow with keys nobody reads again. */
  sweep(db?: number): void {
    const now = this.now();
    const targets = db === undefined ? this.databases : [this.databases[db]!];
    for (const database of targets) {
      for (const [key, entry] of database) if (entry.expiresAt !== undefined && entry.expiresAt <= now) database.delete(key);
    }
  }
}
