/**
 * The status page: every trigger KEDA has asked about, its latest decision
 * and why, plots of its figures over the last hour (uPlot), its partitions
 * and its topology. Reads /api/triggers and /api/history every few seconds
 * (`?refresh=N` sets N seconds, 1 to 60) and says when the scaler cannot be
 * reached or a trigger's decision is old.
 *
 * Everything from the API reaches the page as text (textContent, append of
 * strings), never as markup.
 */

const REFRESH_SECONDS = refreshSeconds(new URLSearchParams(window.location.search).get('refresh'));
/**
 * A decision older than this is marked stale: KEDA stopped asking about the
 * trigger (it asks every pollingInterval, 30 s by default, and the HPA every 15 s).
 */
const STALE_AFTER_MS = 120_000;
const PLOT_HEIGHT = 170;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** @type {Map<string, ReturnType<typeof createView>>} */
const views = new Map();
const connection = {
  /** Server clock minus browser clock (from the Date header), so ages do not depend on the browser's clock. */
  serverOffsetMs: 0,
  /** When the last refresh succeeded (browser clock). */
  lastSuccessAt: /** @type {number | undefined} */ (undefined),
  /** When refreshes started failing, while they fail. */
  failingSince: /** @type {number | undefined} */ (undefined),
  lastError: '',
};

function refreshSeconds(param) {
  const n = Number(param);
  return param !== null && Number.isFinite(n) ? Math.min(60, Math.max(1, n)) : 5;
}

function serverNow() {
  return Date.now() + connection.serverOffsetMs;
}

// ---- formatting -------------------------------------------------------------------------------

function formatCount(n) {
  return n === undefined || n === null ? '—' : integer.format(n);
}

function formatRate(n) {
  return n === undefined || n === null ? '—' : `${decimal.format(n)}/s`;
}

/** 42 s, 3 min 20 s, 2 h 5 min. */
function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

function formatAge(ms) {
  return ms < 1500 ? 'just now' : `${formatSeconds(ms / 1000)} ago`;
}

// ---- DOM helpers ------------------------------------------------------------------------------

/** An element with a class and children; strings become text nodes. */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

/** A figure tile: a label and a value set later. */
function tile(label, field) {
  const value = el('span', 'value');
  value.dataset.field = field;
  return { root: el('div', 'tile', value, el('span', 'label', label)), value };
}

/** A table with fixed headings; rows are replaced on every refresh. */
function table(className, headings) {
  const body = el('tbody');
  const head = el('tr');
  for (const heading of headings) head.append(el('th', heading.numeric ? 'num' : '', heading.label));
  return { root: el('table', className, el('thead', '', head), body), body };
}

function row(cells) {
  const tr = el('tr');
  for (const cell of cells) tr.append(el('td', cell.numeric ? 'num' : '', cell.text));
  return tr;
}

// ---- plots ------------------------------------------------------------------------------------

/**
 * Time from the first point to the last; the minute before it while there is one point.
 * @returns {[number, number]}
 */
function timeRange(_u, min, max) {
  return [min < max ? min : max - 60, max];
}

/**
 * Y from zero to a little above the largest value (at least 1).
 * @returns {[number, number]}
 */
function fromZero(_u, _min, max) {
  return [0, max > 0 ? max * 1.1 : 1];
}

/**
 * Replicas are whole numbers: the axis ends on one.
 * @returns {[number, number]}
 */
function wholeFromZero(_u, _min, max) {
  return [0, Math.max(1, Math.ceil(max) + 1)];
}

const PLOTS = {
  lag: {
    title: 'Lag (records)',
    series: [{ label: 'lag', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.08)', width: 2, value: 'lag' }],
    range: fromZero,
  },
  timeLag: {
    title: 'Time lag (seconds)',
    series: [
      { label: 'time lag', stroke: '#7c3aed', fill: 'rgba(124, 58, 237, 0.08)', width: 2, value: 'timeLagSeconds' },
    ],
    range: fromZero,
  },
  rates: {
    title: 'Records per second',
    series: [
      { label: 'arrival', stroke: '#ea580c', width: 2, value: 'arrivalRate' },
      { label: 'drain', stroke: '#16a34a', width: 2, value: 'drainRate' },
    ],
    range: fromZero,
  },
  replicas: {
    title: 'Recommended replicas',
    series: [{ label: 'replicas', stroke: '#0f766e', fill: 'rgba(15, 118, 110, 0.08)', width: 2, value: 'replicas' }],
    range: wholeFromZero,
    stepped: true,
    incrs: [1, 2, 5, 10, 20, 50, 100],
  },
};

/** A plot card; the uPlot instance is made on the first data, once the card has a width. */
function createPlotCard(kind) {
  const spec = PLOTS[kind];
  const canvasHolder = el('div', 'plot-canvas');
  const root = el('figure', 'plot', el('figcaption', '', spec.title), canvasHolder);
  root.dataset.plot = kind;
  let plot;
  const observer = new ResizeObserver(() => {
    if (plot && canvasHolder.clientWidth > 0) plot.setSize({ width: canvasHolder.clientWidth, height: PLOT_HEIGHT });
  });
  observer.observe(canvasHolder);
  return {
    root,
    update(points) {
      const data = [
        points.map((p) => p.t / 1000),
        ...spec.series.map((s) => points.map((p) => (typeof p[s.value] === 'number' ? p[s.value] : null))),
      ];
      if (plot) {
        plot.setData(data);
        return;
      }
      plot = new uPlot(
        {
          width: Math.max(canvasHolder.clientWidth, 200),
          height: PLOT_HEIGHT,
          scales: { x: { time: true, range: timeRange }, y: { range: spec.range } },
          axes: [
            { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } },
            {
              stroke: '#475569',
              grid: { stroke: '#e2e8f0' },
              ticks: { stroke: '#cbd5e1' },
              size: 56,
              ...(spec.incrs ? { incrs: spec.incrs } : {}),
            },
          ],
          series: [
            {},
            ...spec.series.map((s) => ({
              label: s.label,
              stroke: s.stroke,
              width: s.width,
              ...(s.fill ? { fill: s.fill } : {}),
              ...(spec.stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
            })),
          ],
        },
        data,
        canvasHolder,
      );
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
    },
  };
}

// ---- one trigger ------------------------------------------------------------------------------

function createView(id) {
  const title = el('h2', 'scaled-object');
  const badges = el('div', 'badges');
  const identity = el('dl', 'identity');
  const fields = {};
  for (const [label, field] of [
    ['Consumer group', 'consumerGroup'],
    ['Strategy', 'strategy'],
    ['Cluster', 'cluster'],
    ['Metric', 'metricName'],
  ]) {
    const dd = el('dd');
    dd.dataset.field = field;
    fields[field] = dd;
    identity.append(el('div', '', el('dt', '', label), dd));
  }
  const tiles = {
    replicas: tile('recommended replicas', 'replicas'),
    active: tile('active', 'active'),
    metric: tile('metric / target', 'metric'),
    lag: tile('lag (records)', 'lag'),
    timeLag: tile('time lag', 'timeLag'),
    arrival: tile('arrival', 'arrivalRate'),
    drain: tile('drain', 'drainRate'),
    stalled: tile('stalled partitions', 'stalledPartitions'),
  };
  tiles.replicas.root.classList.add('primary');
  const explanation = el('p', 'explanation');
  const held = el('p', 'held');
  const when = el('p', 'when');
  const plots = {
    lag: createPlotCard('lag'),
    timeLag: createPlotCard('timeLag'),
    rates: createPlotCard('rates'),
    replicas: createPlotCard('replicas'),
  };
  const partitionsSummary = el('summary');
  const partitionsTable = table('partitions', [
    { label: 'Topic' },
    { label: 'Partition', numeric: true },
    { label: 'Committed', numeric: true },
    { label: 'End', numeric: true },
    { label: 'Lag', numeric: true },
    { label: 'Time lag', numeric: true },
    { label: 'Stalled' },
    { label: 'Role' },
    { label: 'Sub-topology' },
    { label: 'Note' },
  ]);
  const topologySummary = el('p', 'topology-summary');
  const topologyTable = table('sub-topologies', [
    { label: 'Sub-topology' },
    { label: 'Inputs' },
    { label: 'Tasks', numeric: true },
    { label: 'Lag', numeric: true },
    { label: 'Time lag', numeric: true },
    { label: 'Arrival', numeric: true },
    { label: 'Per replica', numeric: true },
    { label: 'Replicas', numeric: true },
  ]);
  const root = el(
    'section',
    'trigger',
    el('header', 'trigger-header', el('div', 'title-row', title, badges), identity),
    el('div', 'tiles', ...Object.values(tiles).map((t) => t.root)),
    explanation,
    held,
    when,
    el('p', 'plots-note', 'The last hour, one point per decision (each time KEDA asks).'),
    el('div', 'plots', ...Object.values(plots).map((p) => p.root)),
    el('details', 'partitions-block', partitionsSummary, el('div', 'table-scroll', partitionsTable.root)),
    el(
      'details',
      'topology-block',
      el('summary', '', 'Topology'),
      topologySummary,
      el('div', 'table-scroll', topologyTable.root),
    ),
  );
  root.dataset.id = id;
  for (const details of root.querySelectorAll('details')) details.open = true;

  return {
    root,
    update(trigger, points) {
      const { decision, figures } = trigger;
      const age = serverNow() - Date.parse(trigger.evaluatedAt);
      const stale = age > STALE_AFTER_MS;
      title.textContent = trigger.scaledObject;
      badges.replaceChildren(
        el('span', figures.active ? 'badge active' : 'badge idle', figures.active ? 'active' : 'inactive'),
        ...(stale ? [el('span', 'badge stale', 'stale')] : []),
        ...(decision.held ? [el('span', 'badge held', 'held')] : []),
        ...(figures.stalledPartitions > 0 ? [el('span', 'badge stalled', `${figures.stalledPartitions} stalled`)] : []),
      );
      root.classList.toggle('is-stale', stale);
      fields.consumerGroup.textContent = trigger.consumerGroup;
      fields.strategy.textContent = trigger.strategy;
      fields.cluster.textContent = trigger.cluster;
      fields.metricName.textContent = trigger.metricName;

      tiles.replicas.value.textContent = formatCount(figures.replicas);
      tiles.active.value.textContent = figures.active ? 'yes' : 'no';
      tiles.metric.value.textContent = `${decimal.format(decision.metricValue)} / ${decimal.format(decision.target)}`;
      tiles.lag.value.textContent = formatCount(figures.lag);
      tiles.timeLag.value.textContent = formatSeconds(figures.timeLagSeconds);
      tiles.timeLag.root.hidden = figures.timeLagSeconds === undefined;
      tiles.arrival.value.textContent = formatRate(figures.arrivalRate);
      tiles.drain.value.textContent = formatRate(figures.drainRate);
      tiles.stalled.value.textContent = formatCount(figures.stalledPartitions);

      explanation.textContent = decision.explanation;
      held.textContent = decision.held ? `Held: ${decision.held}` : '';
      held.hidden = !decision.held;
      const sampledBefore = Date.parse(trigger.evaluatedAt) - Date.parse(trigger.sampledAt);
      when.replaceChildren(
        ...(stale
          ? [
              el('strong', '', 'Stale: '),
              'KEDA has stopped asking about this trigger, or asks less often than every 2 min. ',
            ]
          : []),
        `Last decision ${time.format(new Date(trigger.evaluatedAt))} (${formatAge(age)}), ` +
          `from Kafka offsets read ${formatSeconds(sampledBefore / 1000)} before.`,
      );

      const hasTimeLag = points.some((p) => typeof p.timeLagSeconds === 'number');
      plots.timeLag.root.hidden = !hasTimeLag;
      for (const [kind, plot] of Object.entries(plots)) if (kind !== 'timeLag' || hasTimeLag) plot.update(points);

      updatePartitions(decision.partitions);
      updateTopology(decision);
    },
    destroy() {
      for (const plot of Object.values(plots)) plot.destroy();
      root.remove();
    },
  };

  function updatePartitions(partitions) {
    const stalled = partitions.filter((p) => p.stalled).length;
    partitionsSummary.textContent = `Partitions (${partitions.length}${stalled ? `, ${stalled} stalled` : ''})`;
    partitionsTable.body.replaceChildren(
      ...partitions.map((p) => {
        const tr = row([
          { text: p.topic },
          { text: String(p.partition), numeric: true },
          { text: p.committed === '-1' ? 'none' : p.committed, numeric: true },
          { text: p.end ?? '—', numeric: true },
          { text: p.lag, numeric: true },
          { text: formatSeconds(p.timeLagSeconds), numeric: true },
          { text: p.stalled ? 'yes' : 'no' },
          { text: p.role ?? '' },
          { text: p.subTopology ?? '' },
          { text: p.note ?? '' },
        ]);
        if (p.stalled) tr.classList.add('stalled');
        return tr;
      }),
    );
  }

  function updateTopology(decision) {
    const TOPOLOGY_SOURCES = {
      given: 'Given by the topology parameter',
      reported: 'As the application reports it',
      derived: 'Derived from the topic names',
    };
    const t = decision.topology;
    const n = t.subTopologies.length;
    topologySummary.textContent =
      `${TOPOLOGY_SOURCES[t.source] ?? 'Derived from the topic names'}: ` +
      `${n} sub-topolog${n === 1 ? 'y' : 'ies'}, ` +
      `useful maximum ${formatCount(t.usefulMax)} replica${t.usefulMax === 1 ? '' : 's'}, ` +
      `${formatCount(t.streamThreads)} stream thread${t.streamThreads === 1 ? '' : 's'} per instance` +
      (decision.dominant ? `; sub-topology ${decision.dominant} drives the decision.` : '.') +
      (t.notes ?? []).map((note) => ` Note: ${note}.`).join('');
    topologyTable.body.replaceChildren(
      ...t.subTopologies.map((s) => {
        const tr = row([
          { text: s.id },
          { text: s.inputs.join(', ') },
          { text: formatCount(s.tasks), numeric: true },
          { text: formatCount(Number(s.lag)), numeric: true },
          { text: s.timeLagSeconds === undefined ? '—' : formatSeconds(s.timeLagSeconds), numeric: true },
          { text: formatRate(s.arrivalRate), numeric: true },
          { text: formatRate(s.replicaThroughput), numeric: true },
          { text: formatCount(s.replicas), numeric: true },
        ]);
        if (s.id === decision.dominant) tr.classList.add('dominant');
        return tr;
      }),
    );
  }
}

// ---- the page ---------------------------------------------------------------------------------

const triggersRoot = /** @type {HTMLElement} */ (document.getElementById('triggers'));
const emptyState = /** @type {HTMLElement} */ (document.getElementById('empty'));
const connectionLine = /** @type {HTMLElement} */ (document.getElementById('connection'));

function render(triggers, histories) {
  const pointsById = new Map(histories.map((h) => [h.id, h.points]));
  emptyState.hidden = triggers.length > 0;
  const seen = new Set();
  // A fixed order (the API lists the most recently asked first, which changes with every KEDA call).
  const sorted = [...triggers].sort(
    (a, b) => a.scaledObject.localeCompare(b.scaledObject) || a.metricName.localeCompare(b.metricName),
  );
  sorted.forEach((trigger, index) => {
    seen.add(trigger.id);
    let view = views.get(trigger.id);
    if (!view) {
      view = createView(trigger.id);
      views.set(trigger.id, view);
    }
    // Only nodes out of place move (moving one redraws its plots).
    if (triggersRoot.children[index] !== view.root)
      triggersRoot.insertBefore(view.root, triggersRoot.children[index] ?? null);
    view.update(trigger, pointsById.get(trigger.id) ?? []);
  });
  for (const [id, view] of views) {
    if (!seen.has(id)) {
      view.destroy();
      views.delete(id);
    }
  }
}

function showConnection() {
  const c = connection;
  document.body.classList.toggle('offline', c.failingSince !== undefined);
  if (c.failingSince === undefined) {
    connectionLine.dataset.state = 'live';
    connectionLine.textContent = `Live: updated ${time.format(new Date(c.lastSuccessAt ?? Date.now()))}, every ${REFRESH_SECONDS} s.`;
    return;
  }
  connectionLine.dataset.state = 'unreachable';
  connectionLine.textContent =
    `Scaler unreachable since ${time.format(new Date(c.failingSince))} (${c.lastError}). ` +
    (c.lastSuccessAt === undefined
      ? 'No data yet.'
      : `Showing data from ${time.format(new Date(c.lastSuccessAt))}; it is stale.`);
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  const date = Date.parse(response.headers.get('date') ?? '');
  return { body: await response.json(), serverOffsetMs: Number.isFinite(date) ? date - Date.now() : 0 };
}

/** One refresh: the scaler unreachable is shown on the page; a rendering bug is thrown (the console shows it). */
async function refreshOnce() {
  let answers;
  try {
    answers = await Promise.all([getJson('/api/triggers'), getJson('/api/history')]);
  } catch (err) {
    connection.failingSince ??= Date.now();
    connection.lastError = err instanceof Error ? err.message : String(err);
    showConnection();
    return;
  }
  const [triggers, history] = answers;
  connection.serverOffsetMs = triggers.serverOffsetMs;
  connection.lastSuccessAt = Date.now();
  connection.failingSince = undefined;
  showConnection();
  render(triggers.body.triggers, history.body.triggers);
}

async function refresh() {
  try {
    await refreshOnce();
  } finally {
    // Chained, not setInterval: a slow answer never overlaps the next request.
    setTimeout(() => void refresh(), REFRESH_SECONDS * 1000);
  }
}

void refresh();
