/*
 * Preload (`node -r tests/harness/loopback-only.cjs`) for third-party servers run by tests, e.g. The Lounge,
 * which checks for updates on the internet at every start with no setting to stop it.
 * Refuses every DNS lookup and socket connection that is not to loopback, and says so on stderr.
 */
'use strict';
const dns = require('node:dns');
const net = require('node:net');

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', 'ip6-localhost']);

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

function refusal(what, host) {
  process.stderr.write(`[loopback-only] refused ${what} to ${host}\n`);
  const err = new Error(`loopback-only: ${what} to ${host} refused by the test harness`);
  err.code = what === 'lookup' ? 'ENOTFOUND' : 'ECONNREFUSED';
  return err;
}

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  if (!isLoopbackHost(hostname)) {
    process.nextTick(() => cb(refusal('lookup', hostname)));
    return {};
  }
  return originalLookup.apply(this, arguments);
};

const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = function lookup(hostname, ...rest) {
  if (!isLoopbackHost(hostname)) return Promise.reject(refusal('lookup', hostname));
  return originalPromisesLookup.call(this, hostname, ...rest);
};

for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveTxt', 'resolveSrv', 'resolveNs']) {
  if (typeof dns[name] === 'function') {
    dns[name] = function refused(hostname, ...rest) {
      const cb = rest[rest.length - 1];
      process.nextTick(() => typeof cb === 'function' && cb(refusal('lookup', hostname)));
      return {};
    };
  }
  if (dns.promises && typeof dns.promises[name] === 'function') {
    dns.promises[name] = (hostname) => Promise.reject(refusal('lookup', hostname));
  }
}

/** Host of a connect() call in any of its forms (options, [options, cb] as net normalises them, port+host, path). */
function targetOf(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') {
    if (first.path) return { local: true };
    return { host: first.host ?? first.hostname };
  }
  if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : undefined };
  }
  return { local: true }; // a string path: a Unix socket
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const target = targetOf(args);
  if (!target.local && !isLoopbackHost(target.host)) {
    const err = refusal('connection', target.host);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return originalConnect.apply(this, args);
};
