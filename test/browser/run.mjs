// `npm run test:browser [-- --engine chromium|firefox|webkit]`: every browser
// suite, once per engine (all three by default; --engine may repeat or take a
// comma list). Each engine runs in a process of its own, one browser shared by
// its suites; a summary of passes, named skips and time per engine ends the run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENGINES, selectedEngines } from './driver/index.mjs';

function parseEngines(argv) {
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    if (flag !== '--engine') throw new Error(`unknown option ${argv[i]} (use --engine NAME)`);
    const value = inline ?? argv[++i];
    if (!value) throw new Error(`--engine needs one of ${ENGINES.join(', ')}`);
    names.push(...selectedEngines(value));
  }
  return names.length > 0 ? [...new Set(names)] : [...ENGINES];
}

function runEngine(engine, first) {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--test-reporter=spec', fileURLToPath(new URL('suites.mjs', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, IDSYNC_ENGINE: engine, IDSYNC_ENGINE_FREE: first ? '1' : '0' },
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    process.stdout.write(chunk);
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      const count = (label) => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(out)?.[1] ?? NaN);
      const skips = [...out.matchAll(/^# (SKIP on .*)$/gm)].map((m) => m[1]);
      resolve({
        engine,
        ok: code === 0,
        exit: signal ?? code,
        pass: count('pass'),
        fail: count('fail'),
        skipped: count('skipped'),
        skips,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

const engines = parseEngines(process.argv.slice(2));
const results = [];
for (const [i, engine] of engines.entries()) {
  process.stdout.write(`\n== ${engine}\n`);
  results.push(await runEngine(engine, i === 0));
}
process.stdout.write('\n== browser tests per engine\n');
for (const r of results) {
  process.stdout.write(
    `${r.engine.padEnd(9)} ${r.ok ? 'ok  ' : 'FAIL'} pass ${r.pass}, fail ${r.fail}, ` +
      `skipped ${r.skipped}, ${r.seconds.toFixed(0)} s${r.ok ? '' : ` (exit ${r.exit})`}\n`,
  );
  for (const skip of r.skips) process.stdout.write(`          ${skip}\n`);
}
if (results.some((r) => !r.ok)) process.exitCode = 1;
