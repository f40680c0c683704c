/**
 * Debian's nginx as a child process of the test: its own prefix, config and free port, in the
 * foreground (`daemon off`), stopped with the test. The proxy configuration is the one
 * docs/deploy.md recommends (WebSocket upgrade, unbuffered SSE, long read timeout,
 * X-Forwarded-*, next upstream on error/503), in front of the given runtime nodes.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs nginx; `NGINX_PATH` overrides. */
export const NGINX_PATH = process.env.NGINX_PATH ?? "/usr/sbin/nginx";

/** True when the nginx binary runs; under CI=true a missing nginx throws (never a silent skip). */
export function nginxAvailable(): boolean {
  const ok = spawnSync(NGINX_PATH, ["-v"], { stdio: "ignore" }).status === 0;
  if (!ok && process.env.CI === "true")
    throw new Error(
      `nginx is not installed at ${NGINX_PATH}; under CI=true .ci/run installs it (apt-get install nginx)`,
    );
  if (!ok) console.warn(`Skipping nginx tests: no nginx at ${NGINX_PATH} (apt-get install -y nginx)`);
  return ok;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released before it is returned). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running nginx. */
export interface Nginx {
  port: number;
  /** e.g. `http://127.0.0.1:PORT` */
  httpUrl: string;
  /** e.g. `ws://127.0.0.1:PORT/copilotkit/ws` */
  wsUrl: string;
  /** nginx's error log so far. */
  errors(): string;
  close(): Promise<void>;
}

/**
 * The site configuration of docs/deploy.md, for `upstreams` (ports on 127.0.0.1) and an optional
 * page server; `backendPaths` are more path prefixes sent to the runtime nodes (an app's own
 * data routes next to the runtime's, as OpsHub's `/api/portfolio`).
 */
export function siteConfig(
  port: number,
  upstreams: number[],
  sitePort?: number,
  backendPaths: string[] = [],
): string {
  return `
upstream backchannel {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join("\n")}
    keepalive 32;
}
map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      '';
}
server {
    listen 127.0.0.1:${port};
    location /copilotkit/ {
        proxy_pass http://backchannel;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $host;
        proxy_buffering off;
        proxy_cache off;
        proxy_read_timeout 75s;
        proxy_send_timeout 75s;
        proxy_connect_timeout 2s;
        proxy_next_upstream error timeout http_503 non_idempotent;
        proxy_next_upstream_tries 3;
        client_max_body_size 1m;
    }
    location = /copilotkit/metrics { deny all; }
${backendPaths.map((p) => `    location ${p} { proxy_pass http://backchannel; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_next_upstream error timeout http_503; }`).join("\n")}
${sitePort ? `    location / { proxy_pass http://127.0.0.1:${sitePort}; proxy_set_header Host $http_host; proxy_set_header X-Forwarded-Host $http_host; proxy_buffering off; }` : ""}
}`;
}

/** Starts nginx in front of `upstreams`; `sitePort` serves every other path (a test page). */
export async function startNginx(opts: {
  upstreams: number[];
  sitePort?: number;
  backendPaths?: string[];
}): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), "bc-nginx-"));
  const port = await freePort();
  const conf = join(prefix, "nginx.conf");
  writeFileSync(
    conf,
    `
daemon off;
master_process on;
worker_processes 1;
user root;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${prefix}/body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
${siteConfig(port, opts.upstreams, opts.sitePort, opts.backendPaths)}
}
`,
  );
  const child: ChildProcess = spawn(NGINX_PATH, ["-p", prefix, "-c", conf], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const errors = () => {
    try {
      return readFileSync(join(prefix, "error.log"), "utf8");
    } catch {
      return out;
    }
  };
  // Ready once it accepts connections on its port.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${out}${errors()}`);
    const up = await fetch(`http://127.0.0.1:${port}/nginx-probe`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 200) throw new Error(`nginx did not start: ${out}${errors()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/copilotkit/ws`,
    errors,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
      await exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
