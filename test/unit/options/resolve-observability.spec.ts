import { resolveOptions } from '../../../lib/options/resolve-options';
import { CacheConfigError } from '../../../lib/errors/cache-config.error';

describe('resolveOptions: events and metrics', () => {
  it('defaults to nothing', () => {
    expect(resolveOptions({})).toMatchObject({ events: false, metrics: { openTelemetry: false } });
    expect(resolveOptions({}).metrics.prometheus).toBeUndefined();
  });

  it('resolves prometheus: true to the default prefix and registry', () => {
    expect(resolveOptions({ metrics: { prometheus: true } }).metrics.prometheus).toEqual({
      prefix: 'nestjs_cached_',
      registry: undefined,
    });
  });

  it.each([
    [{ events: 'yes' }, /events/],
    [{ metrics: 'prometheus' }, /metrics/],
    [{ metrics: { openTelemetry: 1 } }, /metrics\.openTelemetry/],
    [{ metrics: { prometheus: 'on' } }, /metrics\.prometheus/],
    [{ metrics: { prometheus: { prefix: 'bad prefix' } } }, /metrics\.prometheus\.prefix/],
    [{ metrics: { prometheus: { registry: {} } } }, /metrics\.prometheus\.registry/],
  ])('rejects %j with a CacheConfigError naming the option', (options, name) => {
    const attempt = () => resolveOptions(options as never);
    expect(attempt).toThrow(CacheConfigError);
    expect(attempt).toThrow(name);
  });
});
