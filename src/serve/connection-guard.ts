// Keeps serve reachable when something floods it with connections that never
// authenticate. Every socket has a hard deadline to present a request with the
// token (trickling bytes does not extend it). Past the connection cap,
// unauthenticated sockets are shed to make room, in this order: those that
// have sent nothing at all, oldest first, then the rest, oldest first. A fresh
// socket is only shed once it had a moment to present its request
// (admission grace): connections arrive in bursts (the accept queue fills
// while the server is busy, then is emptied in one go), and a token holder's
// fresh connection in such a burst must be read before anything decides its
// fate; only past a hard cap (twice the cap, so descriptors stay bounded) do
// young sockets go at once. Sockets that carried an authenticated request are
// never shed. The kernel's accept queue is bounded too (the listen backlog,
// see server.ts), so a flood waits there rather than in the server's memory.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Most open sockets at once; beyond it unauthenticated ones are shed. */
  maxConnections: number;
  /** A socket that has not carried an authenticated request by then is closed (a deadline, not an idle timer: trickling bytes does not extend it). */
  unauthenticatedDeadlineMs: number;
  /** A fresh socket is not shed to make room before it is this old (unless the hard cap, twice maxConnections, is reached). */
  admissionGraceMs: number;
}

export interface ConnectionStats {
  open: number;
  unauthenticated: number;
  evicted: number;
  timedOut: number;
  refused: number;
}

export class ConnectionGuard {
  /** Unauthenticated sockets by the time they connected; insertion order is age order. */
  private readonly pending = new Map<Socket, number>();
  private readonly trusted = new Set<Socket>();
  private evicted = 0;
  private timedOut = 0;
  private refused = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    server: Server,
    private readonly opts: ConnectionGuardOptions,
  ) {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('close', () => clearInterval(this.sweeper));
    // One timer for every socket's deadline and grace (a timer per socket costs more than a flood should get).
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(opts.admissionGraceMs, opts.unauthenticatedDeadlineMs) / 4));
    this.sweeper.unref();
  }

  /** The socket carried a request with the right token: it keeps its place. */
  trust(socket: Socket): void {
    if (!this.pending.delete(socket)) return;
    this.trusted.add(socket);
  }

  isTrusted(socket: Socket): boolean {
    return this.trusted.has(socket);
  }

  stats(): ConnectionStats {
    return { open: this.pending.size + this.trusted.size, unauthenticated: this.pending.size, evicted: this.evicted, timedOut: this.timedOut, refused: this.refused };
  }

  private get hardCap(): number {
    return 2 * this.opts.maxConnections;
  }

  private admit(socket: Socket): void {
    if (this.trusted.size >= this.hardCap) {
      // Every slot belongs to a token holder: nothing unauthenticated to make room from.
      this.refused++;
      socket.destroy();
      return;
    }
    this.pending.set(socket, Date.now());
    socket.once('close', () => this.forget(socket));
    if (this.pending.size + this.trusted.size > this.hardCap) this.shed(Date.now(), true);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [socket, since] of this.pending) {
      if (now - since < this.opts.unauthenticatedDeadlineMs) break;
      this.timedOut++;
      this.drop(socket);
    }
    this.shed(now, false);
  }

  /**
   * Sheds unauthenticated sockets down to the cap (the hard cap when `young` ones may go too):
   * silent ones first, oldest first; one that has sent something only while no silent one is left,
   * not even a young one that is not yet shedable (it will be, in a moment).
   */
  private shed(now: number, young: boolean): void {
    const cap = young ? this.hardCap : this.opts.maxConnections;
    const excess = this.pending.size + this.trusted.size - cap;
    if (excess <= 0) return;
    const silent: Socket[] = [];
    const talking: Socket[] = [];
    let silentTotal = 0;
    for (const [socket, since] of this.pending) {
      const shedable = young || now - since >= this.opts.admissionGraceMs;
      if (socket.bytesRead === 0) {
        silentTotal++;
        if (shedable && silent.length < excess) silent.push(socket);
      } else if (shedable && talking.length < excess) talking.push(socket);
    }
    const victims = [...silent, ...talking.slice(0, Math.max(0, excess - silentTotal))].slice(0, excess);
    for (const socket of victims) {
      this.evicted++;
      this.drop(socket);
    }
  }

  private drop(socket: Socket): void {
    this.forget(socket);
    socket.destroy();
  }

  private forget(socket: Socket): void {
    this.pending.delete(socket);
    this.trusted.delete(socket);
  }
}
