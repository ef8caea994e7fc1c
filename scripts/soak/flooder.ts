// A child process of the soak script that floods serve with connections at a
// steady rate (connect, send nothing, hold until the server closes it), as
// the audit's loopback flood did. Prints one JSON line when done:
// {opened, failed, closedByServer}.
import { connect } from 'node:net';

const [port, rate, seconds] = process.argv.slice(2).map(Number);
const TICK_MS = 10;
let opened = 0;
let failed = 0;
let closedByServer = 0;
const stopAt = Date.now() + seconds * 1000;
let carry = 0;
const timer = setInterval(() => {
  if (Date.now() >= stopAt) {
    clearInterval(timer);
    // Late ones are still connecting; give them a moment, then report.
    setTimeout(() => {
      process.stdout.write(`${JSON.stringify({ opened, failed, closedByServer })}\n`);
      process.exit(0);
    }, 1000);
    return;
  }
  carry += (rate * TICK_MS) / 1000;
  for (; carry >= 1; carry--) {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => opened++);
    s.on('error', () => failed++);
    s.once('close', (hadError) => {
      if (!hadError) closedByServer++;
    });
  }
}, TICK_MS);
