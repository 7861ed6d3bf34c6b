/**
 * The status page in a real browser: headless Chromium (Debian's package,
 * driven by playwright-core) against the real app on a real broker. A group's
 * offsets are committed so its lag is known exactly, KEDA's calls are made
 * over gRPC so decisions and history exist, and the page must show them: the
 * trigger, its decision and explanation as the API gives them, the partition
 * table to the offset, drawn plots, and the topology; with no console error
 * and no Content-Security-Policy violation. Also: the empty state, a trigger
 * KEDA stopped asking about, and a scaler that went away.
 *
 * A screenshot of the full page goes to a temporary folder; with
 * STATUS_PAGE_SCREENSHOT=docs/status-page.png it is also written there (the
 * picture in docs/status-page.md). CHROMIUM_PATH overrides /usr/bin/chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { eventually } from '../../tools/eventually.ts';
import { kedaPoll } from '../../tools/keda/kedaPoll.ts';
import { ref, type ScalerClient, scalerClient } from '../../tools/keda/scalerClient.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import {
  commitOffsets,
  createTopic,
  produceToPartitions,
  testBootstrap,
  testKafkaClient,
  uniqueName,
} from '../support/kafka.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface ApiPartition {
  topic: string;
  partition: number;
  committed: string;
  end?: string;
  lag: string;
  role?: string;
  subTopology?: string;
  note?: string;
  stalled?: boolean;
}

interface ApiTrigger {
  id: string;
  scaledObject: string;
  metricName: string;
  strategy: string;
  consumerGroup: string;
  cluster: string;
  evaluatedAt: string;
  figures: { lag: number; replicas: number; active: boolean; timeLagSeconds?: number };
  decision: {
    metricValue: number;
    target: number;
    explanation: string;
    partitions: ApiPartition[];
    topology: { usefulMax: number; subTopologies: Array<{ id: string }> };
  };
}

/** What the page did that it should not have: console errors, uncaught exceptions, CSP violations. */
interface PageProblems {
  readonly console: string[];
  readonly uncaught: string[];
  cspViolations(): Promise<string[]>;
}

/** Records CSP violations from the first script on (an init script runs outside the page's CSP). */
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

async function watch(page: Page): Promise<PageProblems> {
  const problems = { console: [] as string[], uncaught: [] as string[] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.console.push(message.text());
  });
  page.on('pageerror', (err) => problems.uncaught.push(err.message));
  await page.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  return {
    ...problems,
    cspViolations: () => page.evaluate<string[]>('window.__cspViolations'),
  };
}

/** Pixels of a plot's canvas within 40 of `rgb` on every channel: the series was drawn in its colour. */
function pixelsOfColour(page: Page, plot: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate<number>(`(() => {
    const canvas = document.querySelector('figure.plot[data-plot="${plot}"] canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const [r, g, b] = ${JSON.stringify(rgb)};
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40) n++;
    }
    return n;
  })()`);
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return (await res.json()) as T;
}

describe('the status page in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let shots: string;
  /** Undone after each test, newest first, whether it passed or not. */
  let cleanups: Array<() => unknown>;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: make chromium installs it, or set CHROMIUM_PATH`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    shots = mkdtempSync(path.join(os.tmpdir(), 'kstreams-scaler-status-page-'));
  });

  after(async () => {
    await browser?.close();
    if (shots) rmSync(shots, { recursive: true, force: true });
  });

  beforeEach(() => {
    cleanups = [];
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function start(): Promise<TestApp> {
    const app = await startTestApp();
    cleanups.push(() => app.stop());
    return app;
  }

  async function open(app: TestApp, query = ''): Promise<{ page: Page; problems: PageProblems }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const problems = await watch(page);
    await page.goto(`http://127.0.0.1:${app.httpPort}/${query}`);
    return { page, problems };
  }

  async function kafka(): Promise<{ admin: Admin; producer: Producer }> {
    const client = testKafkaClient();
    const admin = client.admin();
    const producer = client.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    cleanups.push(() => Promise.all([admin.disconnect(), producer.disconnect()]));
    return { admin, producer };
  }

  function grpc(app: TestApp): ScalerClient {
    const client = scalerClient(app.grpcPort);
    cleanups.push(() => client.close());
    return client;
  }

  async function assertNoProblems(problems: PageProblems): Promise<void> {
    assert.deepEqual(problems.uncaught, [], 'uncaught exceptions');
    assert.deepEqual(problems.console, [], 'console errors');
    assert.deepEqual(await problems.cspViolations(), [], 'Content-Security-Policy violations');
  }

  it('says KEDA has not asked about any trigger yet when none is tracked', async () => {
    const app = await start();
    const { page, problems } = await open(app);
    await page.locator('#empty').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#empty h2').textContent(), 'KEDA has not asked about any trigger yet');
    assert.equal(await page.locator('section.trigger').count(), 0);
    await page.locator('#connection[data-state="live"]').waitFor();
    await assertNoProblems(problems);
  });

  it('shows each trigger: decision, explanation, plots of the last hour, exact partition offsets, topology', async () => {
    const app = await start();
    const client = grpc(app);
    const { admin, producer } = await kafka();
    const topic = uniqueName('orders');
    const groupId = uniqueName('orders-app');
    await createTopic(admin, topic, 3);
    const so = ref(
      { bootstrapServers: testBootstrap(), consumerGroup: groupId, topic, lagThreshold: '25' },
      'orders-app',
      'shop',
    );
    // Lag rises, then drains in part: 0 → 70 → 105 → 65 → 45 records; replicas 0 → 3 → 3 (capped) → 3 → 2.
    const rounds: Array<{ produce: Record<number, number>; commit: Record<number, number>; lag: number }> = [
      { produce: {}, commit: { 0: 0, 1: 0, 2: 0 }, lag: 0 },
      { produce: { 0: 40, 1: 20, 2: 10 }, commit: {}, lag: 70 },
      { produce: { 0: 40, 1: 30, 2: 10 }, commit: { 0: 30, 1: 10, 2: 5 }, lag: 105 },
      { produce: { 0: 30, 1: 30, 2: 20 }, commit: { 0: 80, 1: 45, 2: 40 }, lag: 65 },
      { produce: { 0: 10 }, commit: { 0: 100, 1: 55, 2: 40 }, lag: 45 },
    ];
    for (const round of rounds) {
      if (Object.keys(round.produce).length > 0) await produceToPartitions(producer, topic, round.produce);
      if (Object.keys(round.commit).length > 0) await commitOffsets(groupId, topic, round.commit);
      await eventually(
        () => kedaPoll(client, so),
        () => app.scaler.statuses()[0]?.figures.lag === round.lag,
        { timeoutMs: 15_000, everyMs: 250, what: `lag ${round.lag}` },
      );
      // A few more of KEDA's polls at this level, so the plots show each step.
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        await kedaPoll(client, so);
      }
    }

    // No more calls from here: the API and the page show the same decision.
    const base = `http://127.0.0.1:${app.httpPort}`;
    const { triggers } = await getJson<{ triggers: ApiTrigger[] }>(`${base}/api/triggers`);
    const history = await getJson<{
      triggers: Array<{ id: string; points: Array<{ lag: number; arrivalRate?: number; drainRate?: number }> }>;
    }>(`${base}/api/history`);
    assert.equal(triggers.length, 1);
    const api = triggers[0]!;
    assert.equal(api.scaledObject, 'shop/orders-app');
    assert.deepEqual(
      { lag: api.figures.lag, replicas: api.figures.replicas, active: api.figures.active },
      { lag: 45, replicas: 2, active: true },
    );
    // One point per decision: every level of lag is there, in order (with whatever the poller saw between a
    // round's produce and its commit).
    const levels = rounds.map((r) => r.lag);
    let found = 0;
    for (const point of history.triggers[0]!.points) if (point.lag === levels[found]) found++;
    assert.equal(
      found,
      levels.length,
      `levels ${levels.join(' → ')} in ${JSON.stringify(history.triggers[0]!.points.map((p) => p.lag))}`,
    );

    // Records arrived and commits moved between rounds: both rates were measured, so both lines have something to draw.
    assert.ok(
      history.triggers[0]!.points.some((p) => (p.arrivalRate ?? 0) > 0 && (p.drainRate ?? 0) > 0),
      'arrival and drain rates measured',
    );

    const { page, problems } = await open(app);
    const card = page.locator('section.trigger');
    await card.waitFor({ state: 'visible' });
    await page.locator('#connection[data-state="live"]').waitFor();
    assert.equal(await page.locator('#empty').isVisible(), false);
    assert.equal(await card.count(), 1);

    const field = (name: string) => card.locator(`[data-field="${name}"]`).textContent();
    assert.equal(await card.locator('h2.scaled-object').textContent(), 'shop/orders-app');
    assert.equal(await field('strategy'), api.strategy);
    assert.equal(await field('consumerGroup'), groupId);
    assert.equal(await field('cluster'), api.cluster);
    assert.equal(await field('metricName'), api.metricName);
    assert.equal(await field('replicas'), '2');
    assert.equal(await field('active'), 'yes');
    assert.equal(await field('metric'), `${api.decision.metricValue} / ${api.decision.target}`);
    assert.equal(await field('metric'), '45 / 25');
    assert.equal(await field('lag'), '45');
    assert.equal(await card.locator('.badge.active').textContent(), 'active');
    assert.equal(await card.locator('.badge.stale').count(), 0);
    assert.equal(await card.locator('p.explanation').textContent(), api.decision.explanation);
    assert.ok(api.decision.explanation.length > 0);

    // The partition table, to the offset: produced 120/80/40, committed 100/55/40.
    const rows = card.locator('table.partitions tbody tr');
    assert.equal(await rows.count(), 3);
    const cells = await Promise.all([0, 1, 2].map((i) => rows.nth(i).locator('td').allTextContents()));
    assert.deepEqual(
      cells.map((c) => c.slice(0, 7)),
      [
        [topic, '0', '100', '120', '20', '—', 'no'],
        [topic, '1', '55', '80', '25', '—', 'no'],
        [topic, '2', '40', '40', '0', '—', 'no'],
      ],
    );
    assert.deepEqual(
      cells.map((c) => c.slice(7)),
      api.decision.partitions.map((p) => [p.role ?? '', p.subTopology ?? '', p.note ?? '']),
      'role, sub-topology and note as the API gives them',
    );
    assert.deepEqual(
      api.decision.partitions.map((p) => [p.committed, p.end, p.lag]),
      cells.map((c) => [c[2], c[3], c[4]]),
      'the same offsets as the API',
    );
    assert.equal(await card.locator('details.partitions-block summary').textContent(), 'Partitions (3)');

    // The topology summary.
    const topology = await card.locator('p.topology-summary').textContent();
    assert.match(topology ?? '', new RegExp(`useful maximum ${api.decision.topology.usefulMax} replicas`));
    assert.equal(
      await card.locator('table.sub-topologies tbody tr').count(),
      api.decision.topology.subTopologies.length,
    );

    // The plots: lag, rates and replicas drawn on canvases with a size; no time lag for this strategy.
    for (const plot of ['lag', 'rates', 'replicas']) {
      const canvas = card.locator(`figure.plot[data-plot="${plot}"] canvas`);
      assert.equal(await canvas.count(), 1, `${plot} plot`);
      const box = await canvas.boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `${plot} plot size ${JSON.stringify(box)}`);
    }
    assert.ok((await pixelsOfColour(page, 'lag', [37, 99, 235])) > 50, 'the lag line is drawn');
    assert.ok((await pixelsOfColour(page, 'rates', [234, 88, 12])) > 20, 'the arrival line is drawn');
    assert.ok((await pixelsOfColour(page, 'rates', [22, 163, 74])) > 20, 'the drain line is drawn');
    assert.ok((await pixelsOfColour(page, 'replicas', [15, 118, 110])) > 50, 'the replicas line is drawn');
    assert.equal(api.figures.timeLagSeconds, undefined);
    assert.equal(await card.locator('figure.plot[data-plot="timeLag"]').isVisible(), false);

    const png = await page.screenshot({ fullPage: true });
    const file = path.join(shots, 'status-page.png');
    writeFileSync(file, png);
    const written = readFileSync(file);
    assert.ok(written.length > 10_000, `a screenshot of ${written.length} bytes`);
    assert.deepEqual(written.subarray(0, 8), PNG_SIGNATURE);
    const keep = process.env['STATUS_PAGE_SCREENSHOT'];
    if (keep) {
      const target = path.resolve(ROOT, keep);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, png);
    }

    await assertNoProblems(problems);
  });

  it('plots time lag when the strategy estimates it, marks a trigger KEDA stopped asking about as stale, and says when the scaler is unreachable', async () => {
    const app = await start();
    const client = grpc(app);
    const { admin, producer } = await kafka();
    const topic = uniqueName('payments');
    const groupId = uniqueName('payments-app');
    await createTopic(admin, topic, 1);
    // Five records stamped two minutes ago, none processed: about two minutes behind.
    const stamped = String(Date.now() - 120_000);
    await producer.send({ topic, messages: Array.from({ length: 5 }, () => ({ value: 'p', timestamp: stamped })) });
    await commitOffsets(groupId, topic, { 0: 0 });
    const so = ref(
      { bootstrapServers: testBootstrap(), consumerGroup: groupId, topic, lagStrategy: 'time' },
      'payments',
    );
    // A few decisions, so the plots have lines.
    await eventually(
      () => kedaPoll(client, so),
      () => app.scaler.history(app.scaler.statuses()[0]?.id ?? '').filter((p) => p.timeLagSeconds! > 60).length >= 3,
      { timeoutMs: 20_000, everyMs: 300, what: 'three decisions with a time lag' },
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    // The decision as if made 10 min 30 s ago; the Date header stays the server's.
    await page.route('**/api/triggers', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { triggers: ApiTrigger[] };
      for (const t of body.triggers) t.evaluatedAt = new Date(Date.now() - 630_000).toISOString();
      await route.fulfill({ response, json: body });
    });
    await page.goto(`http://127.0.0.1:${app.httpPort}/?refresh=1`);
    const card = page.locator('section.trigger');
    await card.waitFor({ state: 'visible' });
    assert.equal(await card.locator('[data-field="strategy"]').textContent(), 'time');
    const timeLag = card.locator('figure.plot[data-plot="timeLag"] canvas');
    const box = await timeLag.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, `time lag plot size ${JSON.stringify(box)}`);
    assert.ok((await pixelsOfColour(page, 'timeLag', [124, 58, 237])) > 20, 'the time lag line is drawn');
    assert.match((await card.locator('[data-field="timeLag"]').textContent()) ?? '', /^2 min( \d+ s)?$/);
    assert.equal(await card.locator('.badge.stale').textContent(), 'stale');
    // 10 min 30 s, give or take the second the Date header leaves out.
    assert.match(
      (await card.locator('p.when').textContent()) ?? '',
      /^Stale: KEDA has stopped asking about this trigger.* \(10 min (29|30) s ago\)/,
    );
    assert.equal(await page.locator('#connection').getAttribute('data-state'), 'live');

    await app.stop();
    const connection = page.locator('#connection[data-state="unreachable"]');
    await connection.waitFor({ timeout: 10_000 });
    assert.match((await connection.textContent()) ?? '', /^Scaler unreachable since .*; it is stale\.$/);
    assert.equal(await card.isVisible(), true, 'the last data stays on the page');
  });
});
