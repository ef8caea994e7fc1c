// A child process of the soak script that opens N idle connections to serve
// and holds them (one process cannot hold 20,000 sockets under a 20,000
// descriptor limit along with everything else). Reports on stdout, as JSON
// lines: {opened, failed} once connected, then {closedByServer} on request.
import { connect, type Socket } from 'node:net';

const [port, count] = process.argv.slice(2).map(Number);
const sockets: Socket[] = [];
let closedByServer = 0;
let failed = 0;
let ending = false;

async function open(): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      sockets.push(s);
      resolve();
    });
    s.once('error', () => {
      failed++;
      resolve();
    });
    s.on('error', () => undefined);
    s.once('close', () => {
      if (!ending) closedByServer++;
    });
  });
}

for (let i = 0; i < count; i += 500) await Promise.all(Array.from({ length: Math.min(500, count - i) }, open));
process.stdout.write(`${JSON.stringify({ opened: sockets.length, failed })}\n`);
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ closedByServer })}\n`));
process.stdin.on('end', () => {
  ending = true;
  for (const s of sockets) s.destroy();
  process.exit(0);
});
