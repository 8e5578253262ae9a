import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('..', import.meta.url));
const entry = ['--conditions=@amw/source', '--import', 'tsx', 'src/main.ts'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('music process', () => {
  it('without GENRE exits 78 and names the variable', () => {
    const result = spawnSync(process.execPath, entry, {
      cwd,
      env: { PATH: process.env.PATH, VERSION: 'v2' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toBe('music: invalid configuration:\n  - GENRE is required: set it to one of jazz, metal\n');
  });

  it('serves on PORT and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, entry, {
      cwd,
      env: { PATH: process.env.PATH, GENRE: 'metal', VERSION: 'v2', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const messages: string[] = [];
    const listening = new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const record = JSON.parse(buffered.slice(0, newline)) as { msg: string; service: string };
          buffered = buffered.slice(newline + 1);
          messages.push(`${record.service}: ${record.msg}`);
          if (record.msg === 'listening') resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    await listening;

    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('["Megadeth (Los Angeles, California)","Judas Priest (West Bromwich, England)"]');

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(messages).toEqual(['metal-v2: listening', 'metal-v2: shutting down', 'metal-v2: stopped']);
  }, 30_000);
});
