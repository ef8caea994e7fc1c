// A serve-mode server in a process of its own (argv[2]: the web root), so a
// test can choke that process's file descriptors without choking its own.
// Prints one JSON line {port, token} once listening; stops on SIGTERM.
import { createSourceSession } from '../../src/engine/session/source-worker';
import { startServeServer } from '../../src/serve/server';

const session = createSourceSession();
const server = await startServeServer({ session, staticDir: process.argv[2], port: 0 });
process.stdout.write(`${JSON.stringify({ port: server.port, token: server.token })}\n`);
process.once('SIGTERM', () => void Promise.all([server.close(), session.dispose()]).finally(() => process.exit(0)));
// SIGUSR2: one JSON line on stdout with the connection guard's counts, for tests that check what was shed.
process.on('SIGUSR2', () => process.stdout.write(`${JSON.stringify(server.connections())}\n`));
