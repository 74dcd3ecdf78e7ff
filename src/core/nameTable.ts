/**
 * Names numbered in the order they were first seen, so that what is counted or packed per event
 * holds a small number instead of a string (models and sources in de-duplication, repeated values
 * in packed events).
 */
export class NameTable {
  /** The names, each at its number. */
  readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();

  /** The name's number, given it now if it has none. */
  numberOf(name: string): number {
    let number = this.numbers.get(name);
    if (number === undefined) {
      number = this.names.push(name) - 1;
      this.numbers.set(name, number);
    }
    return number;
  }
}
