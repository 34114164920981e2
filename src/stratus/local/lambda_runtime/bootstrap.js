'use strict';
/*
 * The Node.js Lambda worker: run by path in a subprocess, one per warm execution environment.
 *
 * Plain Node, no npm dependencies. It speaks the same framed protocol as bootstrap.py on the
 * socket whose fd is argv[2]: frames of kind (1 byte), aux (uint32 BE), length (uint32 BE),
 * body.
 *   parent -> worker  V  invoke: meta JSON + "\n" + raw event bytes
 *   worker -> parent  I  init done: {"error": {...}} or {} (the worker exits after an error)
 *                     L  one log event          R  result JSON (aux = max RSS MB)
 *                     E  error JSON (aux = max RSS MB)
 *                     F  error JSON, and this environment exits (uncaught exception)
 *
 * What users can see is copied from Lambda's Node.js runtime (aws-lambda-nodejs-runtime-
 * interface-client; https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html): the handler string
 * 'path/file.export.nested', CommonJS / ES module loading order (extensionless, .js, .mjs,
 * .cjs, package.json "type"), async and callback handlers with callbackWaitsForEmptyEventLoop,
 * the context object, console lines `<ISO time>\t<requestId>\t<LEVEL>\t<message>` (or JSON
 * with LogFormat JSON), error shapes {errorType, errorMessage, trace} and the Runtime.*
 * errors (ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError).
 */

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

// ---------------------------------------------------------------- channel
const socket = new net.Socket({ fd: parseInt(process.argv[2], 10), readable: true, writable: true });

function send(kind, body, aux) {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = Buffer.alloc(9);
  head.write(kind, 0, 1, 'latin1');
  head.writeUInt32BE((aux || 0) >>> 0, 1);
  head.writeUInt32BE(data.length, 5);
  socket.write(Buffer.concat([head, data]));
}

// Peak resident memory of this environment for the REPORT line's "Max Memory Used": VmHWM
// from /proc/self/status, since Linux carries getrusage's maxRSS across execve (a worker
// spawned by a large cloud process reported the cloud's size). maxRSS (KiB) elsewhere.
function maxRssMb() {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (match) return Math.round(parseInt(match[1], 10) / 1024);
  } catch (e) {
    // no /proc: fall back below
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

// ---------------------------------------------------------------- errors
class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
class NodeJsExit extends Error {
  constructor() {
    super('Runtime exited without providing a reason');
  }
}
for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  UnhandledPromiseRejection,
  NodeJsExit,
]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

function isError(value) {
  return (
    util.types.isNativeError(value) ||
    (value &&
      typeof value.name === 'string' &&
      typeof value.message === 'string' &&
      typeof value.stack === 'string')
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

/** The invoke response's error body. */
function toRapidResponse(error) {
  try {
    if (isError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_e) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const out = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  }
  return value;
}

/** How the runtime logs an error: a tab, then the error as JSON. */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_e) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------- logging
let currentRequestId; // undefined during init, as Lambda prints it
const JSON_FORMAT = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const minimum = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || LEVELS.TRACE;

function jsonLine(level, time, params) {
  const record = { timestamp: time, level, requestId: currentRequestId };
  if (params.length === 1) {
    record.message = params[0];
    try {
      return JSON.stringify(record, (_k, v) =>
        v instanceof Error
          ? Object.assign(
              {
                errorType: v.constructor ? v.constructor.name : 'UnknownError',
                errorMessage: v.message,
                stackTrace: typeof v.stack === 'string' ? v.stack.split('\n') : v.stack,
              },
              v,
            )
          : v,
      );
    } catch (_e) {
      record.message = util.format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(...params);
  const error = params.find((p) => p instanceof Error);
  if (error) {
    record.errorType = error.constructor ? error.constructor.name : 'UnknownError';
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

function log(level, params) {
  if (LEVELS[level] < minimum) return;
  const time = new Date().toISOString();
  const line = JSON_FORMAT
    ? jsonLine(level, time, params)
    : `${time}\t${currentRequestId}\t${level}\t${util.format(...params)}`;
  send('L', line);
}

console.trace = (...params) => log('TRACE', params);
console.debug = (...params) => log('DEBUG', params);
console.info = (...params) => log('INFO', params);
console.log = console.info;
console.warn = (...params) => log('WARN', params);
console.error = (...params) => log('ERROR', params);
console.fatal = (...params) => log('FATAL', params);

function logError(message, err) {
  if (JSON_FORMAT) console.error(intoError(err));
  else console.error(message, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------- loading the handler
const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

function hasTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
    } catch (_e) {
      return false;
    }
  }
  const parent = path.resolve(folder, '..');
  return parent === folder ? false : hasTypeModule(parent);
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

async function loadModule(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequire(lambdaStylePath);
  if (extensionless) return extensionless;
  const typeModule = hasTypeModule(path.dirname(lambdaStylePath));
  if (!typeModule) {
    const loaded = tryRequire(lambdaStylePath + '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (typeModule && (await tryImport(lambdaStylePath + '.js'))) ||
    (await tryImport(lambdaStylePath + '.mjs')) ||
    tryRequire(lambdaStylePath + '.cjs');
  if (loaded) return loaded;
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(moduleAndHandler));
  const match = moduleAndHandler.match(FUNCTION_EXPR);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, module, handlerPath] = match;
  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new ImportModuleError(e);
    }
    throw e;
  }
  const handler = handlerPath.split('.').reduce((nested, key) => nested && nested[key], app);
  if (!handler) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

// ---------------------------------------------------------------- invoking
let beforeExit = null; // what to do when the event loop is empty
let failCurrent = null; // reports an uncaught error for the invocation under way

process.on('beforeExit', () => {
  const action = beforeExit;
  beforeExit = null;
  if (action) action();
});

function finish(kind, body) {
  beforeExit = null;
  failCurrent = null;
  send(kind, body, maxRssMb());
  socket.ref(); // wait for the next invocation
}

function invoke(handler, meta, payload) {
  currentRequestId = meta.id;
  // The invocation's trace header, as Node's runtime sets it (the X-Ray SDK reads it).
  if (meta.trace_id) process.env._X_AMZN_TRACE_ID = meta.trace_id;
  else delete process.env._X_AMZN_TRACE_ID;
  let finished = false;
  let waitForEmptyEventLoop = true;
  const complete = (result) => {
    if (finished) return;
    finished = true;
    let body;
    try {
      body = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      finished = false;
      fail(e);
      return;
    }
    finish('R', body);
  };
  const fail = (err, kind) => {
    if (finished) return;
    finished = true;
    logError('Invoke Error', err);
    finish(kind || 'E', JSON.stringify(toRapidResponse(err)));
  };
  const done = (err, result) => {
    if (err !== undefined && err !== null) fail(err);
    else complete(result);
  };
  const callback = (err, result) => {
    if (err !== undefined && err !== null) {
      fail(err);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      beforeExit = () => setImmediate(() => complete(result));
    }
  };
  failCurrent = (err) => fail(err, 'F');

  let clientContext;
  if (meta.client_context) {
    try {
      clientContext = JSON.parse(Buffer.from(meta.client_context, 'base64').toString('utf8'));
    } catch (_e) {
      clientContext = undefined;
    }
  }
  const deadline = meta.deadline_ms;
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: (result) => done(null, result),
    fail: (err) => done(err === undefined || err === null ? 'handled' : err),
    done,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext,
    identity: meta.identity,
    invokedFunctionArn: meta.arn,
    awsRequestId: meta.id,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const isAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  // Nothing completed when the event loop empties: an async handler never settled (an
  // error), a sync or callback handler returns null (the runtime's default listener).
  beforeExit = () => (isAsync ? fail(new NodeJsExit()) : complete(null));
  socket.unref(); // so that an empty event loop is seen ('beforeExit')
  let event;
  try {
    event = payload.length && payload.toString('utf8').trim() ? JSON.parse(payload) : {};
  } catch (e) {
    fail(e);
    return;
  }
  try {
    const result = handler(event, context, callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  if (failCurrent) failCurrent(error);
  setImmediate(() => process.exit(129));
});

process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  if (failCurrent) failCurrent(error);
  setImmediate(() => process.exit(128));
});

// ---------------------------------------------------------------- main loop
async function main() {
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER);
  } catch (err) {
    logError('Uncaught Exception', err);
    send('I', JSON.stringify({ error: toRapidResponse(err) }));
    socket.end(() => process.exit(129));
    return;
  }
  send('I', '{}');
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 9) {
      const length = buffer.readUInt32BE(5);
      if (buffer.length < 9 + length) break;
      const body = buffer.subarray(9, 9 + length);
      buffer = buffer.subarray(9 + length);
      const newline = body.indexOf(10);
      const meta = JSON.parse(body.subarray(0, newline).toString('utf8'));
      invoke(handler, meta, body.subarray(newline + 1));
    }
  });
  socket.on('end', () => process.exit(0));
}

main();
