/**
 * Liveness of one connection: a `ping` every `intervalMs`, and a watchdog that declares the
 * peer dead after `idleTimeoutMs` without any inbound frame. A half-open TCP connection (laptop
 * lid closed, NAT entry dropped) never delivers a close event, so silence is the only signal.
 * @module
 */

/** Options of `createHeartbeat`. */
export interface HeartbeatOptions {
  /** Send a ping this often (0 disables pings). */
  intervalMs: number;
  /** Silence after which `onIdle` fires (0 disables the watchdog). */
  idleTimeoutMs: number;
  sendPing(): void;
  onIdle(): void;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Something arrived: restart the idle watchdog. */
  touch(): void;
  stop(): void;
}

/** Starts pinging and watching for silence. */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  let lastSeen = Date.now();
  let stopped = false;
  const ping = options.intervalMs > 0 ? setInterval(() => options.sendPing(), options.intervalMs) : undefined;
  // One timer re-armed lazily: touching on every frame must stay cheap at thousands of frames/s.
  let idle: ReturnType<typeof setTimeout> | undefined;
  const arm = (delay: number) => {
    idle = setTimeout(() => {
      if (stopped) return;
      const silent = Date.now() - lastSeen;
      if (silent >= options.idleTimeoutMs) options.onIdle();
      else arm(options.idleTimeoutMs - silent);
    }, delay);
  };
  // A server that advertises no idle timeout gets no watchdog (rather than an instant one).
  if (options.idleTimeoutMs > 0) arm(options.idleTimeoutMs);
  return {
    touch() {
      lastSeen = Date.now();
    },
    stop() {
      stopped = true;
      if (ping !== undefined) clearInterval(ping);
      if (idle !== undefined) clearTimeout(idle);
    },
  };
}
