import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

const CORE = join(__dirname, '../../../lib/core');

describe('lib/core', () => {
  it('imports nothing from a feature folder (lib/http, lib/contexts)', () => {
    const offending = readdirSync(CORE)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [
          ...readFileSync(join(CORE, file), 'utf8').matchAll(
            /from '(\.\.\/(?:http|contexts)\/[^']*)'/g,
          ),
        ].map((match) => `${file}: ${match[1]}`),
      );
    expect(offending).toEqual([]);
  });
});
