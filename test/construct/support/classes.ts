// Real classes the hand-written ProjectTypes in ./types.ts describe, for building from config.
import { Registrable } from "../../../src/construct/registrable.js";

export abstract class Tokenizer extends Registrable {
  abstract tokenize(text: string): string[];
}

export class WhitespaceTokenizer extends Tokenizer {
  readonly lowercase: boolean;
  constructor(opts: { lowercase?: boolean } = {}) {
    super();
    this.lowercase = opts.lowercase ?? false;
  }
  tokenize(text: string): string[] {
    return (this.lowercase ? text.toLowerCase() : text).split(/\s+/).filter(Boolean);
  }
}

// Vitest's transform does not lower decorator syntax (tsx does: see registrable.test.ts), so this
// applies the decorator the way a TC39 decorator is called: with the class and a class context.
Tokenizer.register("whitespace")(WhitespaceTokenizer, {
  kind: "class",
  name: "WhitespaceTokenizer",
} as ClassDecoratorContext<typeof WhitespaceTokenizer>);

export class CharacterTokenizer extends Tokenizer {
  constructor(public readonly limit = 10) {
    super();
  }
  tokenize(text: string): string[] {
    return [...text].slice(0, this.limit);
  }
}
Tokenizer.register("character")(CharacterTokenizer);

export class Processor {
  constructor(
    public readonly name: string,
    public readonly size = 3,
  ) {}
}

export class Model {
  constructor(
    public readonly processor: Processor,
    public readonly tokenizer: Tokenizer,
    public readonly created?: Date,
  ) {}
}

export class Counter {
  static constructed = 0;
  readonly start: number;
  readonly step: number;
  constructor(opts: { start: number; step?: number }) {
    Counter.constructed++;
    this.start = opts.start;
    this.step = opts.step ?? 1;
  }
}

export class Holder {
  constructor(
    public readonly items: readonly Processor[],
    public readonly byName: Record<string, Processor>,
    public readonly weights: Map<string, number>,
    public readonly tags: Set<string>,
    public readonly pair: [string, Date],
    public readonly big?: bigint,
  ) {}
}
