// Runs in the child of the fake utilityProcess (fake-utility-process.ts): gives
// a plain Node process what Electron gives a utility process — process.parentPort
// (an emitter of {data, ports} message events with postMessage; messages wait
// in a queue until a 'message' listener starts the port, as Electron's does),
// argv as [execPath, modulePath, ...args] — then loads the entry module the way
// Electron's lib/utility/init.ts does, as ESM.
import { EventEmitter } from 'node:events';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const parentPort = new EventEmitter();
const queued = [];
let started = false;
const deliver = (data) => parentPort.emit('message', { data, ports: [] });
parentPort.postMessage = (message) => {
  if (process.connected) process.send(message);
};
parentPort.on('newListener', (name) => {
  if (name !== 'message' || started) return;
  started = true;
  // The listener is added after this event: deliver what waited once it is there.
  process.nextTick(() => {
    for (const data of queued.splice(0)) deliver(data);
  });
});
parentPort.on('removeListener', (name) => {
  if (name === 'message' && parentPort.listenerCount('message') === 0) started = false;
});
process.on('message', (data) => (started ? deliver(data) : queued.push(data)));
Object.defineProperty(process, 'parentPort', { enumerable: true, writable: false, value: parentPort });

process.argv.splice(1, 1);
await import(pathToFileURL(process.argv[1]).href);
