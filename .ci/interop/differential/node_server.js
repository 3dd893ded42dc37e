#!/usr/bin/env node
// Differential decoder 2: a plain Node MCP stdio server, written the way small hand-rolled
// servers are: `readline` on stdin, `JSON.parse` per line, `Object.assign({}, defaults, args)`
// for the tool arguments, and a naive recursive merge for the nested `options` argument.
// No npm packages. Nothing here touches the filesystem: the tools only log.
//
//   node node_server.js                 serve MCP on stdio, logging to $DIFF_LOG (JSON lines):
//       {"event":"raw_line","line":...}        each line readline emitted
//       {"event":"message",...}                what JSON.parse made of it (method, id, ...)
//       {"event":"call","tool":...,"arguments":{...},"defaulted":[...],"meta":...}
//                                              what the tool handler read: `path`, `text`, `kind`
//                                              from the merged object (prototype chain included)
//     and every byte read from stdin to $DIFF_LOG.raw.
//   node node_server.js --split-frames  read a JSON array of base64 frames on stdin and print, for
//       each, the lines Node's readline makes of it (a JSON array of arrays of strings).
'use strict';

const fs = require('fs');
const readline = require('readline');
const { Readable } = require('stream');

function escapeSeparators(text) {
  // Keep the log itself one record per line for every reader.
  return text.replace(/[\u2028\u2029\u0085]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

async function splitFrames() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const frames = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = [];
  for (const b64 of frames) {
    const lines = [];
    const rl = readline.createInterface({ input: Readable.from([Buffer.from(b64, 'base64')]) });
    for await (const line of rl) lines.push(line);
    out.push(lines);
  }
  process.stdout.write(escapeSeparators(JSON.stringify(out)) + '\n');
}

function serve() {
  const logFd = fs.openSync(process.env.DIFF_LOG, 'a');
  const rawFd = fs.openSync(process.env.DIFF_LOG + '.raw', 'a');
  const log = (record) => {
    record.server = 'node';
    fs.writeSync(logFd, escapeSeparators(JSON.stringify(record)) + '\n');
  };
  const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

  const TOOLS = [
    { name: 'echo', description: 'Echo the text back.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
    { name: 'write_file', description: 'Pretend to write a file (logs only).',
      inputSchema: { type: 'object', properties: { path: { type: 'string' }, text: { type: 'string' },
        kind: { type: 'string' }, options: { type: 'object' } }, required: ['path', 'text'] } },
    { name: 'delete_all', description: 'Pretend to delete everything (logs only).',
      inputSchema: { type: 'object', properties: {} } },
  ];
  const DEFAULTS = { echo: { text: '' }, write_file: { text: '', encoding: 'utf-8' }, delete_all: {} };
  const READS = { echo: ['text'], write_file: ['path', 'text', 'kind'], delete_all: [] };
  const own = (o, k) => o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);

  // The classic hand-written deep merge (no __proto__/constructor guard).
  function deepMerge(target, source) {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        if (target[key] === null || (typeof target[key] !== 'object' && typeof target[key] !== 'function')) {
          target[key] = {};
        }
        deepMerge(target[key], value);
      } else {
        target[key] = value;
      }
    }
    return target;
  }

  function callTool(msg) {
    const params = msg.params || {};
    const name = params.name;
    const args = params.arguments || {};
    if (!Object.prototype.hasOwnProperty.call(READS, name)) {
      return { error: { code: -32602, message: `Unknown tool: ${String(name)}` } };
    }
    const options = deepMerge({ overwrite: false }, own(args, 'options') ? args.options : {});
    const merged = Object.assign({}, DEFAULTS[name], args);
    const view = {};
    const defaulted = [];
    for (const key of READS[name]) {
      const value = merged[key];
      if (value === undefined) continue;
      view[key] = value;
      if (!own(args, key) && own(DEFAULTS[name], key) && value === DEFAULTS[name][key]) defaulted.push(key);
    }
    log({ event: 'call', tool: name, arguments: view, defaulted, meta: params._meta === undefined ? null : params._meta,
      id_key: JSON.stringify(msg.id), overwrite: options.overwrite === true });
    const text = name === 'echo' ? String(view.text) : name === 'write_file'
      ? `wrote ${String(view.text).length} characters to ${String(view.path)}` : 'deleted everything';
    return { result: { content: [{ type: 'text', text }], isError: false } };
  }

  function handle(msg) {
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return;
    if (typeof msg.method === 'string' && 'id' in msg) {
      let reply;
      switch (msg.method) {
        case 'initialize':
          reply = { result: { protocolVersion: (msg.params && msg.params.protocolVersion) || '2025-11-25',
            capabilities: { tools: {} }, serverInfo: { name: 'differential-node', version: '1.0.0' } } };
          break;
        case 'ping': reply = { result: {} }; break;
        case 'tools/list': reply = { result: { tools: TOOLS } }; break;
        case 'tools/call': reply = callTool(msg); break;
        default: reply = { error: { code: -32601, message: `Method not found: ${msg.method}` } };
      }
      send(Object.assign({ jsonrpc: '2.0', id: msg.id }, reply));
    }
  }

  process.stdin.on('data', (chunk) => fs.writeSync(rawFd, chunk));
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    log({ event: 'raw_line', line });
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      log({ event: 'decode_error', error: String(e).slice(0, 300) });
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    const record = { event: 'message' };
    if (msg !== null && typeof msg === 'object') {
      const hasMethod = typeof msg.method === 'string';
      record.kind = hasMethod ? ('id' in msg ? 'request' : 'notification') : ('id' in msg ? 'response' : 'other');
      if (hasMethod) record.method = msg.method;
      if ('id' in msg) { record.id = msg.id; record.id_key = JSON.stringify(msg.id); }
      if (msg.method === 'tools/call' && msg.params && typeof msg.params === 'object') {
        record.tool = msg.params.name === undefined ? null : msg.params.name;
      }
    }
    log(record);
    handle(msg);
  });
  rl.on('close', () => process.exit(0));
}

if (process.argv.includes('--split-frames')) {
  splitFrames().catch((e) => { console.error(e); process.exit(1); });
} else {
  serve();
}
