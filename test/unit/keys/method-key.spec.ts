import { defaultMethodKey } from '../../../lib/keys/method-key';

describe('defaultMethodKey', () => {
  it('starts with Class.method: and writes short arguments inline', () => {
    expect(defaultMethodKey('ProductsService.findOne', ['42'])).toBe(
      'ProductsService.findOne:["42"]',
    );
    expect(defaultMethodKey('ProductsService.list', [])).toBe('ProductsService.list:[]');
  });

  it('gives equal arguments one key, whatever their object key order', () => {
    expect(defaultMethodKey('S.m', [{ a: 1, b: [1, { c: 2, d: 3 }] }])).toBe(
      defaultMethodKey('S.m', [{ b: [1, { d: 3, c: 2 }], a: 1 }]),
    );
  });

  it('keeps the prefix apart: two methods never share a key', () => {
    expect(defaultMethodKey('UsersService.find', ['1'])).not.toBe(
      defaultMethodKey('OrdersService.find', ['1']),
    );
    expect(defaultMethodKey('S.find', ['1'])).not.toBe(defaultMethodKey('S.findOne', ['1']));
  });

  it('tells argument lists apart by position and count', () => {
    const keys = [
      defaultMethodKey('S.m', ['a', 'b']),
      defaultMethodKey('S.m', ['b', 'a']),
      defaultMethodKey('S.m', [['a', 'b']]),
      defaultMethodKey('S.m', ['a,b']),
      defaultMethodKey('S.m', ['a', 'b', undefined]),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('hashes long argument text, keeping the prefix, and distinct arguments stay distinct', () => {
    const long = (n: number) => [{ text: 'x'.repeat(500), n }];
    const a = defaultMethodKey('ReportsService.build', long(1));
    const b = defaultMethodKey('ReportsService.build', long(2));
    expect(a.startsWith('ReportsService.build:')).toBe(true);
    expect(a.length).toBeLessThan(120);
    expect(a).not.toBe(b);
    expect(defaultMethodKey('ReportsService.build', long(1))).toBe(a);
  });

  it('never lets a hashed key meet an inline one', () => {
    const hashed = defaultMethodKey('S.m', ['y'.repeat(300)]);
    const suffix = hashed.slice('S.m:'.length);
    expect(defaultMethodKey('S.m', [suffix])).not.toBe(hashed);
  });

  it('throws a TypeError that says why for functions, symbols and cycles', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => defaultMethodKey('S.m', [() => 1])).toThrow(/function/);
    expect(() => defaultMethodKey('S.m', [{ s: Symbol('s') }])).toThrow(/symbol/);
    expect(() => defaultMethodKey('S.m', [cycle])).toThrow(/circular/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { id: 1 };
    expect(defaultMethodKey('S.m', [shared, shared])).toBe(
      defaultMethodKey('S.m', [{ id: 1 }, { id: 1 }]),
    );
  });

  it('does not give objects without own fields (URL, RegExp, private state) one shared key', () => {
    class Token {
      #value: string;
      constructor(value: string) {
        this.#value = value;
      }
      get value() {
        return this.#value;
      }
    }
    const pairs: [unknown, unknown][] = [
      [new URL('https://a.example/'), new URL('https://b.example/')],
      [/a/, /b/],
      [new Token('a'), new Token('b')],
    ];
    for (const [a, b] of pairs) {
      let keyA: string | undefined;
      let keyB: string | undefined;
      try {
        keyA = defaultMethodKey('S.m', [a]);
        keyB = defaultMethodKey('S.m', [b]);
      } catch {
        continue; // refusing to key such an argument is safe too: the call runs uncached
      }
      expect(keyA).not.toBe(keyB);
    }
  });
});

describe('default method key: instances whose state is not in their public fields', () => {
  class Money {
    #amount: number;
    constructor(
      amount: number,
      readonly currency: string,
    ) {
      this.#amount = amount;
    }
    get amount() {
      return this.#amount;
    }
  }
  class Hidden {
    constructor(
      secret: number,
      readonly kind: string,
    ) {
      Object.defineProperty(this, 'secret', { value: secret, enumerable: false });
    }
  }
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    norm() {
      return Math.hypot(this.x, this.y);
    }
  }
  class Dto extends Point {}
  class Priced extends Money {
    toJSON() {
      return { amount: this.amount, currency: this.currency };
    }
  }

  it.each([
    ['a #private field behind a getter', new Money(100, 'EUR'), new Money(5000, 'EUR')],
    ['a non-enumerable own field', new Hidden(1, 'a'), new Hidden(2, 'a')],
  ])('refuses to key an instance with %s (two values must never share one key)', (_, a, b) => {
    expect(() => defaultMethodKey('S.m', [a])).toThrow(TypeError);
    expect(() => defaultMethodKey('S.m', [b])).toThrow(TypeError);
  });

  it('keys plain-field instances (methods allowed, inherited too) by value', () => {
    expect(defaultMethodKey('S.m', [new Point(1, 2)])).toBe(
      defaultMethodKey('S.m', [new Point(1, 2)]),
    );
    expect(defaultMethodKey('S.m', [new Point(1, 2)])).not.toBe(
      defaultMethodKey('S.m', [new Point(1, 3)]),
    );
    expect(defaultMethodKey('S.m', [new Dto(1, 2)])).not.toBe(
      defaultMethodKey('S.m', [new Dto(2, 2)]),
    );
  });

  it('keys an instance with toJSON by what toJSON returns, accessors or not', () => {
    expect(defaultMethodKey('S.m', [new Priced(100, 'EUR')])).not.toBe(
      defaultMethodKey('S.m', [new Priced(5000, 'EUR')]),
    );
  });
});

describe('default method key: subclasses of Map, Set and Date', () => {
  class Page extends Map<string, number> {
    constructor(readonly page: number) {
      super([['a', 1]]);
    }
  }
  class Stamp extends Date {
    constructor(
      time: number,
      readonly zone: string,
    ) {
      super(time);
    }
  }

  it('keys their own fields too, never their contents alone', () => {
    expect(defaultMethodKey('S.m', [new Page(1)])).not.toBe(defaultMethodKey('S.m', [new Page(2)]));
    expect(defaultMethodKey('S.m', [new Stamp(0, 'UTC')])).not.toBe(
      defaultMethodKey('S.m', [new Stamp(0, 'CET')]),
    );
    expect(defaultMethodKey('S.m', [new Page(1)])).not.toBe(
      defaultMethodKey('S.m', [new Map([['a', 1]])]),
    );
  });

  it('refuses one with getters of its own', () => {
    class Secret extends Set<number> {
      #owner = 'x';
      get owner() {
        return this.#owner;
      }
    }
    expect(() => defaultMethodKey('S.m', [new Secret()])).toThrow(TypeError);
  });
});
