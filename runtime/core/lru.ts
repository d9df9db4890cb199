// A map that forgets what was used least recently once its entries weigh more than a budget:
// the caches of a long-lived runtime (layer trees, compiled guests) stay bounded.

export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; weight: number }>();
  #total = 0;

  /** `maxWeight`: the budget, in whatever unit the weights use (bytes, or 1 per entry). */
  constructor(readonly maxWeight: number) {}

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Adds or replaces `key` (most recently used), then forgets others until within budget. */
  set(key: K, value: V, weight = 1): this {
    this.delete(key);
    this.#entries.set(key, { value, weight });
    this.#total += weight;
    this.#trim(key);
    return this;
  }

  /** Gives `key` its weight once known (a value that was a promise has resolved). */
  weigh(key: K, weight: number): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#total += weight - entry.weight;
    entry.weight = weight;
    this.#trim(key);
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#total -= entry.weight;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#total = 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The weight of all entries. */
  get weight(): number {
    return this.#total;
  }

  /** Forgets the least recently used entries, never `keep`, until within budget. */
  #trim(keep: K): void {
    for (const [key, entry] of this.#entries) {
      if (this.#total <= this.maxWeight) return;
      if (key === keep) continue;
      this.#entries.delete(key);
      this.#total -= entry.weight;
    }
  }
}
