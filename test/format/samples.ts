/** Values and classes shared by the format and cache conformance suites. */
import { ClassRegistry } from "../../src/format/class-registry.js";

export class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}

  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

export class Labeled {
  constructor(
    public label: string,
    public at: Point,
    public tags: Set<string>,
  ) {}

  describe(): string {
    return `${this.label}@${this.at.x},${this.at.y}`;
  }
}

/** Never registered: storing it must fail with E_FORMAT. */
export class Unregistered {
  value = 1;
}

export function sampleClasses(): ClassRegistry {
  const classes = new ClassRegistry();
  classes.register("samples:Point", Point);
  classes.register("samples:Labeled", Labeled);
  return classes;
}

/** Nested data with everything plain JSON lacks. */
export function nestedSample(): Record<string, unknown> {
  return {
    text: "héllo\nworld \u2028 ✓",
    numbers: [1, -2.5, 0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    big: 12345678901234567890n,
    when: new Date("2024-05-06T07:08:09.010Z"),
    invalidDate: new Date(Number.NaN),
    map: new Map<unknown, unknown>([
      ["a", 1],
      [2, new Date(0)],
      [3n, { deep: [new Set([1, 2])] }],
    ]),
    set: new Set(["x", "y"]),
    nothing: null,
    missing: undefined,
    holes: [undefined, 1, undefined],
    point: new Point(3, 4),
    labeled: new Labeled("home", new Point(1, 2), new Set(["a"])),
    points: [new Point(0, 1), new Point(1, 0)],
    tagLookalike: { $formed: "class", name: "samples:Point", v: { x: 1 } },
    proto: JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    empty: {},
    emptyList: [],
  };
}

export function* syncItems(count: number): Generator<unknown> {
  for (let i = 0; i < count; i++)
    yield { i, when: new Date(i * 1000), point: new Point(i, -i), big: BigInt(i) };
}

export async function* asyncItems(count: number): AsyncGenerator<unknown> {
  for (let i = 0; i < count; i++) {
    await Promise.resolve();
    yield { i, when: new Date(i * 1000), point: new Point(i, -i), big: BigInt(i) };
  }
}

export function expectedItems(count: number): unknown[] {
  return [...syncItems(count)];
}

/** Every item of a re-iterable result, once synchronously and once asynchronously. */
export async function iterateBothWays(value: unknown): Promise<{ sync: unknown[]; async: unknown[] }> {
  const sync = [...(value as Iterable<unknown>)];
  const async: unknown[] = [];
  for await (const item of value as AsyncIterable<unknown>) async.push(item);
  return { sync, async };
}
