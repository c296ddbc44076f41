// nginx as the same two-hop chain (HTTP in, mutual TLS between the hops, keep-alive upstreams): the proxy
// limit of this machine. Used only when the nginx binary is installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export interface NginxChain {
  readonly process: ChildProcess;
  readonly url: string;
}

export function startNginxChain(options: { tlsDir: string; providerPort: number; frontPort: number; backPort: number }): NginxChain {
  if (NGINX === undefined) throw new TypeError('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tonle-bench-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const t = options.tlsDir;
  const conf = `
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_max_body_size 0;
  proxy_request_buffering off;
  proxy_buffering off;
  upstream provider { server 127.0.0.1:${options.providerPort}; keepalive 64; }
  upstream back { server 127.0.0.1:${options.backPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${options.frontPort};
    location / {
      proxy_pass https://back;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_certificate ${t}/client.crt;
      proxy_ssl_certificate_key ${t}/client.key;
      proxy_ssl_trusted_certificate ${t}/ca.crt;
      proxy_ssl_verify on;
      proxy_ssl_name localhost;
      proxy_ssl_session_reuse on;
    }
  }
  server {
    listen 127.0.0.1:${options.backPort} ssl;
    ssl_certificate ${t}/server.crt;
    ssl_certificate_key ${t}/server.key;
    ssl_client_certificate ${t}/ca.crt;
    ssl_verify_client on;
    location / {
      proxy_pass http://provider;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  return { process: child, url: `http://127.0.0.1:${options.frontPort}` };
}
