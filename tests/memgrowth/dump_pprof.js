// dump_pprof.js - decodes a gzip'd pprof profile with the npm pprof-format
// package and prints it as JSON for e2e_memory.py: the sample types
// [[type, unit], ...], the default type, and each sample's function names
// (root first) with its values.
//
// usage: node dump_pprof.js NODE_MODULES PPROF_GZ
// Exit 0, 1 (cannot decode), 77 pprof-format not installed (a failure under
// CI=true: tests/testlib/skip.js).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { skip } = require('../testlib/skip.js');

const [nodeModules, pprofPath] = process.argv.slice(2);
let pf;
try {
  pf = require(path.join(path.resolve(nodeModules), 'pprof-format'));
} catch (e) {
  skip('pprof-format under ' + nodeModules, 'npm ci --prefix tests/browser, which scripts/install-deps.sh runs');
}
const prof = pf.Profile.decode(zlib.gunzipSync(fs.readFileSync(pprofPath)));
const str = (i) => prof.stringTable.strings[Number(i)];
const fns = new Map(prof.function.map((f) => [Number(f.id), f]));
const locs = new Map(prof.location.map((l) => [Number(l.id), l]));
const samples = prof.sample.map((s) => {
  const names = [];
  for (const id of s.locationId)             // leaf first
    for (const line of locs.get(Number(id)).line)
      names.push(str(fns.get(Number(line.functionId)).name));
  return { stack: names.reverse(), values: s.value.map(Number) };
});
console.log(JSON.stringify({
  sample_types: prof.sampleType.map((t) => [str(t.type), str(t.unit)]),
  default: str(prof.defaultSampleType),
  samples,
}));
