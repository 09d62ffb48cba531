// Node.js: two worker_threads fill Buffers and send back checksums; the
// main thread keeps Buffers of its own.  Output in worker order: stable.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

function checksum(buf) {
  let s = 0;
  for (let i = 0; i < buf.length; i += 64) s = (s + buf[i]) % 65521;
  return s;
}

if (isMainThread) {
  const kept = [];
  for (let i = 0; i < 32; i++) kept.push(Buffer.alloc(65536, i));
  const runs = [1, 2].map((id) => new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: id });
    w.on('message', resolve);
    w.on('error', reject);
  }));
  Promise.all(runs).then((sums) => {
    sums.forEach((s, i) => console.log(`worker ${i + 1}: ${s}`));
    console.log(`main: ${kept.length} buffers, ${checksum(Buffer.concat(kept))}`);
  });
} else {
  const bufs = [];
  for (let i = 0; i < 16; i++) bufs.push(Buffer.alloc(32768, workerData * 7 + i));
  parentPort.postMessage(checksum(Buffer.concat(bufs)));
}
