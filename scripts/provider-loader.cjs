#!/usr/bin/env node
// Starts the provider bundle beside this file with V8's code cache: terraform starts the provider
// several times per command, and compiling the bundle is a large part of each start. The cache is
// made at build time (scripts/build-provider.mjs); one that does not fit this Node is ignored.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const bundle = path.join(__dirname, BUNDLE_NAME);
const cacheFile = `${bundle}.cache`;
const source = fs.readFileSync(bundle, 'utf8');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined; // no cache: compile as usual
}
const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
if (process.env.AUTHORITY_PRODUCE_CODE_CACHE) {
  // Build time: once the handshake is written, the functions of a start have run; cache them.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    const done = write(chunk, ...rest);
    if (String(chunk).includes('|grpc|')) {
      const temporary = `${cacheFile}.${process.pid}.tmp`; // whole or not at all, for starts beside a build
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
      process.exit(0);
    }
    return done;
  };
}
const module_ = new Module(bundle, module);
module_.filename = bundle;
module_.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext()(module_.exports, (id) => module_.require(id), module_, bundle, __dirname);
