// skip.js - tests/testlib/skip.py for node: a test that cannot run because
// something it needs is missing says so in one line and exits 77 (ctest's
// SKIP_RETURN_CODE; scripts/test.sh lists it), or under CI (CI=true or 1)
// prints "FAIL: ..." and exits 1.
//   const { skip } = require('../testlib/skip.js');
//   skip('playwright-core under tests/browser/node_modules', 'npm ci --prefix tests/browser');
'use strict';

const SKIP = 77;

function inCi() {
  return ['true', '1', 'yes'].includes((process.env.CI || '').trim().toLowerCase());
}

function skip(what, provider) {
  const line = what + ' is missing (' + provider + ')';
  if (inCi()) {
    console.log('FAIL: ' + line + '; CI=true: a test that cannot run fails');
    process.exit(1);
  }
  console.log('SKIP: ' + line);
  process.exit(SKIP);
}

module.exports = { SKIP, inCi, skip };
