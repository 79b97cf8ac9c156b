// What a hosts-file line "<address> authentication.api.mitel.io ..." does, for this Node process only:
// every *.api.mitel.io name (and api.mitel.io) resolves to MICC_SIM_ADDRESS, other names as usual.
// Loaded with `node --require`, so the code under test stays unmodified.
'use strict';
const dns = require('node:dns');
const address = process.env.MICC_SIM_ADDRESS;
const mitel = (host) => typeof host === 'string' && /(^|\.)api\.mitel\.io\.?$/i.test(host);
const original = dns.lookup;
dns.lookup = function lookup(host, options, callback) {
  if (!mitel(host) || !address) return original.apply(this, arguments);
  if (typeof options === 'function') { callback = options; options = {}; }
  if (typeof options === 'number') options = { family: options };
  const family = address.includes(':') ? 6 : 4;
  process.nextTick(() => (options && options.all)
    ? callback(null, [{ address, family }])
    : callback(null, address, family));
};
const originalPromise = dns.promises.lookup;
dns.promises.lookup = async function lookup(host, options) {
  if (!mitel(host) || !address) return originalPromise.apply(this, arguments);
  const family = address.includes(':') ? 6 : 4;
  return (options && options.all) ? [{ address, family }] : { address, family };
};
