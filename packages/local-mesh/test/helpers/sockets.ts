/**
 * Which addresses processes listen on, read the way `ss -lntup` does: each process's open file
 * descriptors name socket inodes (`/proc/<pid>/fd`), and the kernel's socket tables
 * (`/proc/net/tcp`, `tcp6`, `udp`, `udp6`) say where each inode is bound. Linux only, as CI is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface BoundSocket {
  pid: number;
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

/** A TCP socket in the LISTEN state; UDP sockets are all kept, since any bound one can receive. */
const TCP_LISTEN = '0A';

/** `0100007F` → 127.0.0.1; IPv6 as four little-endian words → its canonical text (`::`, `::1`, `::ffff:127.0.0.1`). */
function decodeAddress(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  for (let word = 0; word < bytes.length; word += 4) bytes.subarray(word, word + 4).reverse();
  if (bytes.length === 4) return [...bytes].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.replace(/^\[|\]$/g, '');
}

interface TableEntry {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

function socketTable(): Map<string, TableEntry> {
  const byInode = new Map<string, TableEntry>();
  for (const [file, protocol] of [
    ['tcp', 'tcp'],
    ['tcp6', 'tcp'],
    ['udp', 'udp'],
    ['udp6', 'udp'],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${file}`, 'utf8');
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      if (protocol === 'tcp' && fields[3] !== TCP_LISTEN) continue;
      byInode.set(fields[9]!, { protocol, address: decodeAddress(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return byInode;
}

function socketInodes(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return []; // gone since it was listed
  }
  return fds.flatMap((fd) => {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      return inode ? [inode] : [];
    } catch {
      return [];
    }
  });
}

/** Every TCP listener and every UDP socket the given processes hold, with the address it is bound to. */
export function boundSockets(pids: readonly number[]): BoundSocket[] {
  const table = socketTable();
  return pids.flatMap((pid) =>
    socketInodes(pid).flatMap((inode) => {
      const entry = table.get(inode);
      return entry ? [{ pid, ...entry }] : [];
    }),
  );
}

/** What a process runs, for messages: its command line. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return `(pid ${pid}, gone)`;
  }
}

/** Every process below `pid` (children, their children…), by parent pid as `ps` reports it. */
export function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}
