import fc from 'fast-check';
import { clusterSlot } from '../../../lib/redis/cluster-slot';
import { groupBySlot, redisKey, scanPattern } from '../../../lib/redis/redis-keys';

describe('redisKey', () => {
  it('keeps plain keys readable, with the hash tag after the namespace prefix', () => {
    expect(redisKey('cache:e:product:1')).toBe('cache:e:{product:1}');
    expect(redisKey('cache:t:Products.find')).toBe('cache:t:{Products.find}');
    expect(redisKey('cache:u:"7":me')).toBe('cache:u:{"7":me}');
  });

  it('encodes braces of the namespace too, so the hash tag is always the one after it', () => {
    expect(redisKey('a{b}:e:x')).toBe('a%7Bb%7D:e:{x}');
  });

  it('encodes spaces, line breaks, braces and the escape itself', () => {
    expect(redisKey('cache:e:a b\nc\r\t{x}%')).toBe('cache:e:{a%20b%0Ac%0D%09%7Bx%7D%25}');
  });

  it('never maps two keys to one Redis key, and never lets a space or a brace through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const ka = redisKey(`ns:e:${a}`);
        expect(ka).not.toMatch(/\s/);
        expect(ka.slice(6, -1)).not.toMatch(/[{}]/);
        if (a !== b) expect(ka).not.toBe(redisKey(`ns:e:${b}`));
      }),
    );
  });

  it('escapes glob characters of the prefix in SCAN patterns', () => {
    expect(scanPattern('a*b:')).toBe('a\\*b:*');
    expect(scanPattern('cache:')).toBe('cache:*');
  });
});

describe('clusterSlot', () => {
  it('matches Redis CLUSTER KEYSLOT', () => {
    expect(clusterSlot('123456789')).toBe(12739);
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
    expect(clusterSlot('foo{}{bar}')).toBe(clusterSlot('foo{}{bar}')); // empty tag: whole key
  });

  it('groups keys by slot and remembers their positions', () => {
    const keys = ['a:e:{1}', 'a:e:{2}', 'x{1}', 'a:e:{1}'];
    const groups = groupBySlot(keys);
    const back: string[] = [];
    for (const group of groups) group.at.forEach((at, i) => (back[at] = group.keys[i]));
    expect(back).toEqual(keys);
    expect(groups.find((g) => g.at.includes(0))!.at).toEqual([0, 2, 3]);
  });
});
