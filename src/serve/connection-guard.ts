// Keeps serve reachable when something floods it with connections that never
// authenticate: every new socket gets a hard deadline to present a request
// with the token, and past the connection cap the oldest unauthenticated
// socket is dropped to make room (a token holder's fresh connection always
// gets in). Sockets that carried an authenticated request are never evicted.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Most open sockets at once; beyond it the oldest unauthenticated one is closed. */
  maxConnections: number;
  /** A socket that has not carried an authenticated request by then is closed (a deadline, not an idle timer: trickling bytes does not extend it). */
  unauthenticatedDeadlineMs: number;
}

export interface ConnectionStats {
  open: number;
  unauthenticated: number;
  evicted: number;
  timedOut: number;
  refused: number;
}

export class ConnectionGuard {
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly pending = new Map<Socket, NodeJS.Timeout>();
  private readonly trusted = new Set<Socket>();
  private evicted = 0;
  private timedOut = 0;
  private refused = 0;

  constructor(
    server: Server,
    private readonly opts: ConnectionGuardOptions,
  ) {
    server.on('connection', (socket: Socket) => this.admit(socket));
  }

  /** The socket carried a request with the right token: it keeps its place. */
  trust(socket: Socket): void {
    const timer = this.pending.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(socket);
    this.trusted.add(socket);
  }

  isTrusted(socket: Socket): boolean {
    return this.trusted.has(socket);
  }

  stats(): ConnectionStats {
    return { open: this.pending.size + this.trusted.size, unauthenticated: this.pending.size, evicted: this.evicted, timedOut: this.timedOut, refused: this.refused };
  }

  private admit(socket: Socket): void {
    if (this.pending.size + this.trusted.size >= this.opts.maxConnections) {
      const oldest = this.pending.keys().next();
      if (oldest.done) {
        // Every slot belongs to a token holder: nothing unauthenticated to make room from.
        this.refused++;
        socket.destroy();
        return;
      }
      this.evicted++;
      this.drop(oldest.value);
    }
    const timer = setTimeout(() => {
      this.timedOut++;
      this.drop(socket);
    }, this.opts.unauthenticatedDeadlineMs);
    timer.unref();
    this.pending.set(socket, timer);
    socket.once('close', () => this.forget(socket));
  }

  private drop(socket: Socket): void {
    this.forget(socket);
    socket.destroy();
  }

  private forget(socket: Socket): void {
    const timer = this.pending.get(socket);
    if (timer !== undefined) clearTimeout(timer);
    this.pending.delete(socket);
    this.trusted.delete(socket);
  }
}
