// results.json → the markdown tables printed by `npm run bench` (and pasted
// into the README's Performance section), with the targets of issue #7.
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const ms = (value) => `${value.toFixed(2)} ms`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const signedKib = (bytes) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1024).toFixed(0)} KiB`;

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const CORE = 'core (createIdentity + idb)';
const CORE_TARGET_BYTES = 6 * 1024;

export function targets(results) {
  const core = results.sizes[CORE].gzip;
  const warmRatio = results.startup.warm.median / results.startup.floor.median;
  const overhead = Object.fromEntries(
    Object.entries(results.calls.http).map(([kind, row]) => [
      kind,
      row.idsync.median - row.raw.median,
    ]),
  );
  const sizes = Object.keys(results.scale);
  const first = results.scale[sizes[0]].calls;
  const last = results.scale[sizes[sizes.length - 1]].calls;
  const flatness = Object.fromEntries(
    Object.keys(first).map((kind) => [kind, last[kind].median / first[kind].median]),
  );
  return {
    coreGzip: { value: core, target: CORE_TARGET_BYTES, met: core <= CORE_TARGET_BYTES },
    warmStartupVsFloor: { value: warmRatio, target: 1.5, met: warmRatio <= 1.5 },
    httpOverheadMs: {
      value: overhead,
      target: 1,
      met: Object.values(overhead).every((v) => v <= 1),
    },
    // "flat": the median at the largest size within 1.5× of the smallest
    scaleRatio: {
      value: flatness,
      target: 1.5,
      met: Object.values(flatness).every((v) => v <= 1.5),
    },
  };
}

export function renderReport(results) {
  const out = [];
  const m = results.machine;
  out.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB; ${m.chromium} (headless); ` +
      `Node ${m.node}; load average ${m.loadAverageAtStart.join(' / ')} at start.`,
  );

  out.push('\n**Bundle size** (minified; gzip -9)\n');
  out.push(
    table(
      ['bundle', 'min', 'min+gz'],
      Object.entries(results.sizes).map(([name, row]) =>
        row.error ? [name, row.error, ''] : [name, kb(row.min), kb(row.gzip)],
      ),
    ),
  );

  const s = results.startup;
  out.push(
    `\n**Start-up**: page script start → \`currentUser\` available, ${s.floor.n} page loads each, interleaved\n`,
  );
  out.push(
    table(
      ['', 'median', 'p10', 'p90', '× floor'],
      [
        ['warm (stored user)', s.warm],
        ['first visit (in-page resolver)', s.cold],
        ['floor: raw IndexedDB open + one get', s.floor],
      ].map(([name, row]) => [
        name,
        ms(row.median),
        ms(row.p10),
        ms(row.p90),
        `${(row.median / s.floor.median).toFixed(2)}×`,
      ]),
    ),
  );

  const c = results.calls;
  const n = c.http.identify.idsync.n;
  out.push(
    `\n**Identity call cost**, median (p90) of ${n} calls each, interleaved, local IDSync server over HTTP\n`,
  );
  const cell = (row) => `${ms(row.median)} (${ms(row.p90)})`;
  out.push(
    table(
      [
        'call',
        'raw fetch',
        'idsync-web HttpBackend',
        'mParticle Web SDK',
        'idsync-web over raw',
        'mParticle over raw',
        'idsync-web, in-page resolver',
      ],
      Object.entries(c.http).map(([kind, row]) => [
        kind,
        cell(row.raw),
        cell(row.idsync),
        cell(row.mparticle),
        `${ms(row.idsync.median - row.raw.median)}`,
        `${ms(row.mparticle.median - row.raw.median)}`,
        cell(c.local[kind]),
      ]),
    ),
  );

  const sizes = Object.keys(results.scale);
  const kinds = Object.keys(results.scale[sizes[0]].calls);
  out.push(
    `\n**Resolver scale**: in-page resolver (IndexedDB) seeded with N profiles, median (p90) of ${results.scale[sizes[0]].calls[kinds[0]].n} calls each, through the client\n`,
  );
  out.push(
    table(
      ['profiles', 'seeded in', ...kinds],
      sizes.map((size) => [
        Number(size).toLocaleString('en-US'),
        `${(results.scale[size].seedMs / 1000).toFixed(1)} s`,
        ...kinds.map((kind) => cell(results.scale[size].calls[kind])),
      ]),
    ),
  );

  out.push('\n**Memory**: JS heap after forced GC\n');
  out.push(
    table(
      ['', 'after 10 calls', 'after 1,000 calls', 'growth'],
      Object.entries(results.memory).map(([name, row]) => [
        name,
        mib(row[10]),
        mib(row[1000]),
        signedKib(row.growth),
      ]),
    ),
  );

  const t = targets(results);
  const yes = (ok) => (ok ? 'met' : '**missed**');
  out.push('\n**Targets**\n');
  out.push(
    [
      `- core ≤ 6 KB min+gz: ${kb(t.coreGzip.value)}: ${yes(t.coreGzip.met)}`,
      `- warm start-up ≤ 1.5× raw IndexedDB floor: ${t.warmStartupVsFloor.value.toFixed(2)}×: ${yes(t.warmStartupVsFloor.met)}`,
      `- overhead over the raw HTTP round trip ≤ 1 ms: ${Object.entries(t.httpOverheadMs.value)
        .map(([k, v]) => `${k} ${ms(v)}`)
        .join(', ')}: ${yes(t.httpOverheadMs.met)}`,
      `- flat resolver cost, ${Number(sizes[sizes.length - 1]).toLocaleString('en-US')} vs ${Number(sizes[0]).toLocaleString('en-US')} profiles (median ratio ≤ 1.5): ${Object.entries(
        t.scaleRatio.value,
      )
        .map(([k, v]) => `${k} ${v.toFixed(2)}×`)
        .join(', ')}: ${yes(t.scaleRatio.met)}`,
    ].join('\n'),
  );

  const tr = results.traffic;
  out.push(
    `\nIdentity requests seen per phase (3 contenders × (${n} + 5 warm-up) expected): ` +
      `${Object.entries(c.identityRequests)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}. mParticle event/config requests to the local sink: ${tr.mparticleSinkRequests}. ` +
      `Requests to hosts other than 127.0.0.1: ${tr.offLoopbackRequests} (blocked). ` +
      `Whole run: ${results.durationSeconds} s.\n`,
  );
  return `${out.join('\n')}\n`;
}
