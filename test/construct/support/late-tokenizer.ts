// Registered only when this module is evaluated: the builder must import it to find "late".
import { Tokenizer } from "./classes.js";

export class LateTokenizer extends Tokenizer {
  constructor(public readonly marker = "late") {
    super();
  }
  tokenize(text: string): string[] {
    return [this.marker, text];
  }
}
Tokenizer.register("late")(LateTokenizer);
