/**
 * Counted resources shared by the steps of one run: the executor's job slots and the
 * resources of `workflow.executor.resources` (a `gpu: 1`, an `llm: 4`). A request waits until
 * all it asks for is free at once; waiting requests are served by priority (the step's place in
 * the config), skipping a request that does not fit for one that does, so a step waiting for
 * the GPU never keeps a CPU step from starting. A resource without a capacity is unlimited.
 */
export type ResourceRequest = Readonly<Record<string, number>>;

/** Gives the resources back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly request: ResourceRequest;
  readonly priority: number;
  readonly resolve: (release: Release) => void;
  readonly reject: (error: unknown) => void;
}

export class ResourceGate {
  readonly #capacity: ReadonlyMap<string, number>;
  readonly #inUse = new Map<string, number>();
  /** Sorted by priority, lowest first; few at a time, so insertion into an array is enough. */
  readonly #waiting: Waiter[] = [];
  #closed: unknown;

  constructor(capacity: ResourceRequest) {
    this.#capacity = new Map(Object.entries(capacity));
  }

  /** What exceeds capacity in `request` (it could never be granted), or undefined. */
  impossible(request: ResourceRequest): string | undefined {
    for (const [name, amount] of Object.entries(request)) {
      const capacity = this.#capacity.get(name);
      if (capacity !== undefined && amount > capacity) return `${name}: ${amount} (there are ${capacity})`;
    }
    return undefined;
  }

  /** Waits for `request` to be free, served before waiting requests of a higher `priority` number. */
  acquire(request: ResourceRequest, priority: number): Promise<Release> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#waiting.length === 0 && this.#fits(request)) return Promise.resolve(this.#take(request));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { request, priority, resolve, reject };
      const at = this.#waiting.findIndex((other) => other.priority > priority);
      this.#waiting.splice(at === -1 ? this.#waiting.length : at, 0, waiter);
      this.#grant();
    });
  }

  /** Refuses every waiting and later request with `reason`; what is held stays held until released. */
  close(reason: unknown): void {
    this.#closed ??= reason;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(reason);
  }

  #fits(request: ResourceRequest): boolean {
    for (const [name, amount] of Object.entries(request)) {
      const capacity = this.#capacity.get(name);
      if (capacity !== undefined && (this.#inUse.get(name) ?? 0) + amount > capacity) return false;
    }
    return true;
  }

  #take(request: ResourceRequest): Release {
    for (const [name, amount] of Object.entries(request)) {
      this.#inUse.set(name, (this.#inUse.get(name) ?? 0) + amount);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const [name, amount] of Object.entries(request)) {
        this.#inUse.set(name, (this.#inUse.get(name) ?? 0) - amount);
      }
      this.#grant();
    };
  }

  #grant(): void {
    for (let index = 0; index < this.#waiting.length; ) {
      const waiter = this.#waiting[index]!;
      if (this.#fits(waiter.request)) {
        this.#waiting.splice(index, 1);
        waiter.resolve(this.#take(waiter.request));
      } else index++;
    }
  }
}
