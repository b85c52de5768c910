// Run with tsx (esbuild lowers TC39 decorators; vitest's transform does not): registers by
// decorator syntax and prints what the registries hold.
import { Registrable } from "../../../src/construct/registrable.js";

abstract class Animal extends Registrable {
  abstract sound(): string;
}

@Animal.register("dog")
class Dog extends Animal {
  sound(): string {
    return "woof";
  }
}

abstract class Plant extends Registrable {}

@Plant.register("dog")
class Dogwood extends Plant {}

/** How the decorator was called: 2 arguments (value, context) in TC39 form, 1 in legacy form. */
let decoratorArguments = 0;
// Wraps the decorator, keeping its type, to count the arguments it is called with.
const counting = <F extends (...args: never[]) => unknown>(decorator: F): F =>
  ((...args: unknown[]) => {
    decoratorArguments = args.length;
    return (decorator as unknown as (...args: unknown[]) => unknown)(...args);
  }) as unknown as F;

@counting(Animal.register("cat"))
class Cat extends Animal {
  sound(): string {
    return "meow";
  }
}

const dog = Animal.byName("dog");
console.log(
  JSON.stringify({
    dog: dog === Dog,
    sound: dog === undefined ? null : new (dog as typeof Dog)().sound(),
    plant: Plant.byName("dog") === Dogwood,
    cat: Animal.byName("cat") === Cat,
    decoratorArguments,
    animals: Animal.registeredNames(),
    plants: Plant.registeredNames(),
  }),
);
