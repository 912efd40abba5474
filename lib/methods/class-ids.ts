/**
 * The default-key prefix of each class: its name, or `Name#2`, `Name#3`… for another class that
 * has the same name (two feature modules may each have a `ProductsService`), so their default keys
 * never meet. Discovery order is fixed, so every instance of one app numbers them alike.
 */
export class ClassIds {
  private readonly ids = new Map<Function, string>();
  private readonly counts = new Map<string, number>();

  of(cls: Function, name: string): string {
    let id = this.ids.get(cls);
    if (id === undefined) {
      const count = (this.counts.get(name) ?? 0) + 1;
      this.counts.set(name, count);
      id = count === 1 ? name : `${name}#${count}`;
      this.ids.set(cls, id);
    }
    return id;
  }
}
