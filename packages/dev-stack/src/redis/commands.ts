/**
 * The commands the Redis stand-in answers: what our apps, `@amw/dev-stack/testing` and ioredis'
 * connection set-up send. Replies and error texts follow real Redis so a client cannot tell the
 * difference for these commands; everything else is refused by name.
 */
import type { Keyspace } from './keyspace.js';
import { globMatches } from './glob.js';
import { reply, type Reply } from './resp.js';

export interface Session {
  readonly id: number;
  db: number;
  name: string | undefined;
  /** Set by QUIT: the server closes the connection after sending the reply. */
  closing: boolean;
}

export interface ServerFacts {
  readonly port: number;
  readonly startedAt: number;
  connectedClients(): number;
}

interface Context {
  readonly session: Session;
  readonly keyspace: Keyspace;
  readonly facts: ServerFacts;
  readonly now: () => number;
}

type Handler = (context: Context, args: Buffer[]) => Reply;

interface Command {
  /** Redis' convention: n means exactly n words (name included), -n at least n. */
  readonly arity: number;
  readonly run: Handler;
}

const key = (arg: Buffer) => arg.toString('latin1');
const text = (arg: Buffer) => arg.toString('utf8');

const NOT_INTEGER = reply.error('ERR value is not an integer or out of range');
const SYNTAX = reply.error('ERR syntax error');
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Redis' strict integer syntax: no `+`, no spaces, no leading zeros; 64-bit signed range. */
function parseInteger(arg: Buffer | undefined): bigint | undefined {
  if (!arg) return undefined;
  const raw = arg.toString('latin1');
  if (!/^(0|-?[1-9]\d*)$/.test(raw)) return undefined;
  const value = BigInt(raw);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

function incrementBy(context: Context, name: Buffer, delta: bigint): Reply {
  const { keyspace, session } = context;
  const current = keyspace.get(session.db, key(name));
  const base = current === undefined ? 0n : parseInteger(current);
  if (base === undefined) return NOT_INTEGER;
  const next = base + delta;
  if (next < INT64_MIN || next > INT64_MAX) return reply.error('ERR increment or decrement would overflow');
  keyspace.set(session.db, key(name), Buffer.from(String(next)), undefined, true);
  return reply.integer(next);
}

function set(context: Context, args: Buffer[]): Reply {
  const [name, value, ...options] = args as [Buffer, Buffer, ...Buffer[]];
  let condition: 'NX' | 'XX' | undefined;
  let expiresAt: number | undefined;
  let keepTtl = false;
  for (let i = 0; i < options.length; i++) {
    const option = text(options[i]!).toUpperCase();
    if ((option === 'NX' || option === 'XX') && !condition) {
      condition = option;
    } else if ((option === 'EX' || option === 'PX') && expiresAt === undefined && !keepTtl) {
      const amount = parseInteger(options[++i]);
      if (amount === undefined) return i < options.length ? NOT_INTEGER : SYNTAX;
      if (amount <= 0n) return reply.error("ERR invalid expire time in 'set' command");
      expiresAt = context.now() + Number(amount) * (option === 'EX' ? 1000 : 1);
    } else if (option === 'KEEPTTL' && expiresAt === undefined && !keepTtl) {
      keepTtl = true;
    } else {
      return SYNTAX;
    }
  }
  const exists = context.keyspace.exists(context.session.db, key(name));
  if ((condition === 'NX' && exists) || (condition === 'XX' && !exists)) return reply.bulk(null);
  context.keyspace.set(context.session.db, key(name), value, expiresAt, keepTtl);
  return reply.ok;
}

function info(context: Context, args: Buffer[]): Reply {
  const { facts, keyspace } = context;
  const sections: Record<string, string[]> = {
    server: [
      'redis_version:7.2.0',
      'redis_mode:standalone',
      'amw_stand_in:yes (in-process fallback of @amw/dev-stack, data in memory only)',
      `process_id:${process.pid}`,
      `tcp_port:${facts.port}`,
      `uptime_in_seconds:${Math.floor((context.now() - facts.startedAt) / 1000)}`,
    ],
    clients: [`connected_clients:${facts.connectedClients()}`],
    persistence: ['loading:0', 'rdb_bgsave_in_progress:0', 'aof_enabled:0'],
    keyspace: [],
  };
  for (let db = 0; db < keyspace.size; db++) {
    const { keys, expires } = keyspace.count(db);
    if (keys > 0) sections.keyspace!.push(`db${db}:keys=${keys},expires=${expires},avg_ttl=0`);
  }
  const wanted = args[1] ? text(args[1]).toLowerCase() : 'default';
  const names = ['default', 'all', 'everything'].includes(wanted) ? Object.keys(sections) : [wanted];
  const body = names
    .filter((name) => sections[name])
    .map((name) => [`# ${name[0]!.toUpperCase()}${name.slice(1)}`, ...sections[name]!].join('\r\n'))
    .join('\r\n\r\n');
  return reply.bulk(body ? `${body}\r\n` : '');
}

function client(context: Context, args: Buffer[]): Reply {
  const sub = text(args[1]!).toUpperCase();
  if (sub === 'SETNAME' && args.length === 3) {
    const name = text(args[2]!);
    if (/[\s]/.test(name)) return reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
    context.session.name = name || undefined;
    return reply.ok;
  }
  if (sub === 'GETNAME' && args.length === 2) return reply.bulk(context.session.name ?? null);
  if (sub === 'SETINFO' && args.length === 4) return reply.ok;
  if (sub === 'ID' && args.length === 2) return reply.integer(context.session.id);
  return reply.error(`ERR unknown subcommand or wrong number of arguments for '${text(args[1]!)}'. Try CLIENT HELP.`);
}

function flushMode(args: Buffer[]): Reply | undefined {
  if (args.length === 1) return undefined;
  return args.length === 2 && ['ASYNC', 'SYNC'].includes(text(args[1]!).toUpperCase()) ? undefined : SYNTAX;
}

const commands: Record<string, Command> = {
  PING: {
    arity: -1,
    run: (_c, args) => (args.length === 1 ? reply.simple('PONG') : args.length === 2 ? reply.bulk(args[1]!) : arityError('ping')),
  },
  ECHO: { arity: 2, run: (_c, args) => reply.bulk(args[1]!) },
  QUIT: {
    arity: -1,
    run: ({ session }) => {
      session.closing = true;
      return reply.ok;
    },
  },
  SELECT: {
    arity: 2,
    run: ({ session, keyspace }, args) => {
      const db = parseInteger(args[1]);
      if (db === undefined) return NOT_INTEGER;
      if (db < 0n || db >= BigInt(keyspace.size)) return reply.error('ERR DB index is out of range');
      session.db = Number(db);
      return reply.ok;
    },
  },
  INFO: { arity: -1, run: info },
  CLIENT: { arity: -2, run: client },
  GET: { arity: 2, run: ({ session, keyspace }, args) => reply.bulk(keyspace.get(session.db, key(args[1]!)) ?? null) },
  SET: { arity: -3, run: (context, args) => set(context, args.slice(1)) },
  INCR: { arity: 2, run: (context, args) => incrementBy(context, args[1]!, 1n) },
  DECR: { arity: 2, run: (context, args) => incrementBy(context, args[1]!, -1n) },
  INCRBY: {
    arity: 3,
    run: (context, args) => {
      const delta = parseInteger(args[2]);
      return delta === undefined ? NOT_INTEGER : incrementBy(context, args[1]!, delta);
    },
  },
  DEL: {
    arity: -2,
    run: ({ session, keyspace }, args) => reply.integer(args.slice(1).filter((name) => keyspace.delete(session.db, key(name))).length),
  },
  EXISTS: {
    arity: -2,
    run: ({ session, keyspace }, args) => reply.integer(args.slice(1).filter((name) => keyspace.exists(session.db, key(name))).length),
  },
  EXPIRE: {
    arity: 3,
    run: (context, args) => {
      const seconds = parseInteger(args[2]);
      if (seconds === undefined) return NOT_INTEGER;
      const at = context.now() + Number(seconds) * 1000;
      return reply.integer(context.keyspace.expire(context.session.db, key(args[1]!), at) ? 1 : 0);
    },
  },
  TTL: {
    arity: 2,
    run: ({ session, keyspace }, args) => {
      const ms = keyspace.ttlMs(session.db, key(args[1]!));
      return reply.integer(ms < 0 ? ms : Math.round(ms / 1000));
    },
  },
  PTTL: { arity: 2, run: ({ session, keyspace }, args) => reply.integer(keyspace.ttlMs(session.db, key(args[1]!))) },
  FLUSHDB: {
    arity: -1,
    run: ({ session, keyspace }, args) => {
      const invalid = flushMode(args);
      if (invalid) return invalid;
      keyspace.flush(session.db);
      return reply.ok;
    },
  },
  FLUSHALL: {
    arity: -1,
    run: ({ keyspace }, args) => {
      const invalid = flushMode(args);
      if (invalid) return invalid;
      keyspace.flush();
      return reply.ok;
    },
  },
  DBSIZE: { arity: 1, run: ({ session, keyspace }) => reply.integer(keyspace.count(session.db).keys) },
  KEYS: {
    arity: 2,
    run: ({ session, keyspace }, args) => {
      const pattern = key(args[1]!);
      const names = keyspace.keys(session.db).filter((name) => globMatches(pattern, name));
      return reply.array(names.map((name) => reply.bulk(Buffer.from(name, 'latin1'))));
    },
  },
};

function arityError(name: string): Reply {
  return reply.error(`ERR wrong number of arguments for '${name}' command`);
}

export const SUPPORTED_COMMANDS = Object.keys(commands);

export function execute(context: Context, args: Buffer[]): Reply {
  const name = text(args[0]!);
  const command = commands[name.toUpperCase()];
  if (!command) return reply.error(`ERR unknown command '${name}'`);
  const { arity } = command;
  if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity)) return arityError(name.toLowerCase());
  return command.run(context, args);
}
