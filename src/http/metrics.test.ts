import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

async function busySeconds(registry: import('prom-client').Registry): Promise<number> {
  const text = await registry.getSingleMetricAsString('priorgate_event_loop_busy_seconds_total');
  const m = /^priorgate_event_loop_busy_seconds_total (\S+)$/m.exec(text);
  if (!m) throw new Error(`no sample in:\n${text}`);
  return Number(m[1]);
}

describe('priorgate_event_loop_busy_seconds_total', () => {
  it('counts the time the main thread works and not the time it waits', async () => {
    const { registry } = createMetrics({ defaults: true });
    const start = await busySeconds(registry);
    // 300 ms of work on this thread.
    const until = Date.now() + 300;
    while (Date.now() < until);
    const afterWork = await busySeconds(registry);
    expect(afterWork - start).toBeGreaterThanOrEqual(0.29);
    // 300 ms of waiting: a timer, nothing to do meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterWait = await busySeconds(registry);
    expect(afterWait - afterWork).toBeLessThan(0.15);
    expect(afterWait).toBeGreaterThanOrEqual(afterWork);
  });

  it('is not on a registry made without the process metrics', async () => {
    const { registry } = createMetrics();
    expect(registry.getSingleMetric('priorgate_event_loop_busy_seconds_total')).toBeUndefined();
  });
});
