import { CircuitBreaker } from '../../../lib/redis/circuit-breaker';

describe('CircuitBreaker', () => {
  afterEach(() => jest.useRealTimers());

  it('opens after consecutive failures, half-opens for one probe, closes on its success', () => {
    jest.useFakeTimers();
    const changes: string[] = [];
    const breaker = new CircuitBreaker(3, 500, (state) => changes.push(state));
    breaker.failure();
    breaker.success(); // not consecutive
    breaker.failure();
    breaker.failure();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    jest.advanceTimersByTime(500);
    expect(breaker.allow()).toBe(true); // the probe
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the probe fails', () => {
    jest.useFakeTimers();
    const breaker = new CircuitBreaker(1, 100);
    breaker.failure();
    jest.advanceTimersByTime(100);
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });
});
