// check_formats.js - reads what `bbx flame` wrote in speedscope and pprof
// form and checks it against the folded counts of the same snapshots.
//
// usage: node check_formats.js NODE_MODULES SPEEDSCOPE_JSON PPROF_GZ EXPECT_JSON
//   NODE_MODULES: tests/browser/node_modules (pprof-format comes from there)
//   EXPECT_JSON:  {"total": N, "stacks": {"group;root;...;leaf": count}} with
//                 frames named as --no-symbols names them
// Exit 0 fine, 1 a failure (said on stdout), 77 pprof-format not installed
// (under CI=true that is a failure too: tests/testlib/skip.js).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { skip } = require('../testlib/skip.js');

const [nodeModules, ssPath, pprofPath, expectPath] = process.argv.slice(2);
const failures = [];
const fail = (m) => { failures.push(m); console.log('FAIL: ' + m); };
const expect = JSON.parse(fs.readFileSync(expectPath, 'utf8'));

let pf;
try {
  pf = require(path.join(nodeModules, 'pprof-format'));
} catch (e) {
  skip('pprof-format under ' + nodeModules, 'npm ci --prefix tests/browser, which scripts/install-deps.sh runs');
}

// ---- speedscope: the file format's rules, checked one by one --------------
function checkSpeedscope() {
  const doc = JSON.parse(fs.readFileSync(ssPath, 'utf8'));
  if (doc.$schema !== 'https://www.speedscope.app/file-format-schema.json')
    fail('speedscope: $schema is ' + doc.$schema);
  const frames = doc.shared && doc.shared.frames;
  if (!Array.isArray(frames) || !frames.length) return fail('speedscope: no shared.frames');
  frames.forEach((f, i) => {
    if (typeof f.name !== 'string' || !f.name) fail('speedscope: frame ' + i + ' has no name');
    if ('line' in f && !Number.isInteger(f.line)) fail('speedscope: frame ' + i + ' line');
  });
  if (!Array.isArray(doc.profiles) || !doc.profiles.length) return fail('speedscope: no profiles');
  const got = {};
  let total = 0;
  for (const p of doc.profiles) {
    if (p.type !== 'sampled' || p.unit !== 'none' || typeof p.name !== 'string')
      fail('speedscope: profile ' + p.name + ' type/unit/name');
    if (!Array.isArray(p.samples) || !Array.isArray(p.weights) ||
        p.samples.length !== p.weights.length)
      return fail('speedscope: profile ' + p.name + ': samples and weights differ in length');
    let sum = 0;
    p.samples.forEach((s, i) => {
      if (!s.every((ix) => Number.isInteger(ix) && ix >= 0 && ix < frames.length))
        fail('speedscope: profile ' + p.name + ' sample ' + i + ' has an index out of range');
      const key = [p.name, ...s.map((ix) => frames[ix] ? frames[ix].name : '?')].join(';');
      got[key] = (got[key] || 0) + p.weights[i];
      sum += p.weights[i];
    });
    if (p.startValue !== 0 || p.endValue !== sum)
      fail('speedscope: profile ' + p.name + ' start/end ' + p.startValue + '/' + p.endValue +
           ', weights sum to ' + sum);
    total += sum;
  }
  if (total !== expect.total) fail('speedscope: weights sum to ' + total + ', not ' + expect.total);
  compare('speedscope', got);
}

function compare(what, got) {
  const keys = new Set([...Object.keys(got), ...Object.keys(expect.stacks)]);
  let bad = 0;
  for (const k of keys) {
    if ((got[k] || 0) !== (expect.stacks[k] || 0) && bad++ < 3)
      fail(what + ': stack ' + k + ': ' + (got[k] || 0) + ', expected ' + (expect.stacks[k] || 0));
  }
}

// ---- pprof: decoded by the pprof-format package -------------------------------
function checkPprof() {
  const raw = fs.readFileSync(pprofPath);
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) fail('pprof: not gzip');
  const prof = pf.Profile.decode(zlib.gunzipSync(raw));
  const str = (i) => prof.stringTable.strings[Number(i)];
  if (str(0) !== '') fail('pprof: string_table[0] is not ""');
  if (prof.sampleType.length !== 1 || str(prof.sampleType[0].type) !== 'threads' ||
      str(prof.sampleType[0].unit) !== 'count')
    fail('pprof: sample_type is not threads/count');
  const fns = new Map(prof.function.map((f) => [Number(f.id), f]));
  const locs = new Map(prof.location.map((l) => [Number(l.id), l]));
  const got = {};
  let total = 0;
  for (const s of prof.sample) {
    const label = s.label.find((l) => str(l.key) === 'thread');
    if (!label) { fail('pprof: a sample without a "thread" label'); continue; }
    const names = [];
    for (const id of s.locationId) {          // leaf first
      const loc = locs.get(Number(id));
      if (!loc) { fail('pprof: sample names missing location ' + id); continue; }
      for (const line of loc.line) {          // leaf-most first inside a location
        const fn = fns.get(Number(line.functionId));
        if (!fn) fail('pprof: location ' + id + ' names missing function');
        names.push(fn ? str(fn.name) : '?');
      }
    }
    const key = [str(label.str), ...names.reverse()].join(';');
    const v = Number(s.value[0]);
    got[key] = (got[key] || 0) + v;
    total += v;
  }
  // bbx writes one sample per distinct stack (flame_pprof.c), as folded
  // output has one line per stack.
  if (prof.sample.length !== Object.keys(expect.stacks).length)
    fail('pprof: ' + prof.sample.length + ' samples for ' +
         Object.keys(expect.stacks).length + ' folded stacks');
  if (total !== expect.total) fail('pprof: values sum to ' + total + ', not ' + expect.total);
  compare('pprof', got);
}

checkSpeedscope();
checkPprof();
if (failures.length) {
  console.log(failures.length + ' failure(s)');
  process.exit(1);
}
console.log('ok');
process.exit(0);
