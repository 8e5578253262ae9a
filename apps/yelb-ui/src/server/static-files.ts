/**
 * Serves the built page. Vite puts content-hashed files under `assets/`: those can be cached for
 * a year because a new build gives them new names; everything else (index.html above all) must
 * be revalidated, or a browser in the workshop room keeps showing yesterday's page.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * The page only talks to its own origin; saying so lets the browser refuse anything injected,
 * and proves in the browser test that nothing is fetched from elsewhere. Chart.js sizes its
 * canvas through inline styles, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

export class StaticSiteMissingError extends Error {
  constructor(readonly root: string) {
    super(`no built page in ${root} (index.html is missing): run \`pnpm build\` in apps/yelb-ui, or set STATIC_DIR`);
    this.name = 'StaticSiteMissingError';
  }
}

type Lookup =
  | ({ kind: 'file'; relative: string } & FoundFile)
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string };

interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** The file at `path`, or the index.html inside it when it is a directory. */
async function fileAt(path: string): Promise<FoundFile | undefined> {
  try {
    const info = await stat(path);
    if (info.isFile()) return { path, size: info.size, mtimeMs: info.mtimeMs };
    if (info.isDirectory()) return await fileAt(join(path, 'index.html'));
    return undefined;
  } catch {
    return undefined;
  }
}

/** Decodes a URL path into a path relative to `root` ('' for the root), or says why it will not. */
function locate(root: string, urlPath: string): { relative: string } | { refused: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { refused: 'malformed percent-encoding in the path' };
  }
  if (decoded.includes('\0')) return { refused: 'NUL byte in the path' };
  const segments = decoded.split(/[/\\]+/).filter((s) => s !== '');
  if (segments.some((s) => s === '..')) return { refused: "path traversal ('..') is not allowed" };
  const relative = segments.join('/');
  // Belt and braces: whatever the checks above missed, never leave the root.
  const full = resolve(root, relative);
  if (full !== root && !full.startsWith(root + sep)) return { refused: 'path leaves the site root' };
  return { relative };
}

/** Unknown paths that look like files get a 404; the rest are the page's own routes. */
function looksLikeFile(relative: string): boolean {
  return relative === 'assets' || relative.startsWith('assets/') || extname(relative) !== '';
}

export interface StaticSite {
  readonly root: string;
  readonly handler: RequestHandler;
}

export async function createStaticSite(rootDir: string): Promise<StaticSite> {
  const root = resolve(rootDir);
  const indexPath = join(root, 'index.html');
  if (!(await fileAt(indexPath))) throw new StaticSiteMissingError(root);

  const lookup = async (urlPath: string): Promise<Lookup> => {
    const located = locate(root, urlPath);
    if ('refused' in located) return { kind: 'refused', reason: located.refused };
    const { relative } = located;
    // Dotfiles are never part of a build; do not reveal whether one exists.
    if (relative.split('/').some((s) => s.startsWith('.'))) return { kind: 'missing' };
    const found = await fileAt(join(root, relative));
    if (found) return { kind: 'file', relative, ...found };
    if (looksLikeFile(relative)) return { kind: 'missing' };
    // A path of the page itself (the app has one view, but a shared link may carry any path).
    const index = await fileAt(indexPath);
    return index ? { kind: 'file', relative: 'index.html', ...index } : { kind: 'missing' };
  };

  const handler: RequestHandler = async (req: Request, res: Response, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const found = await lookup(req.path);
    if (found.kind === 'refused') {
      res.status(400).json({ error: found.reason, path: req.path });
      return;
    }
    if (found.kind === 'missing') {
      res.status(404).json({ error: 'not found', path: req.path });
      return;
    }
    const etag = `W/"${found.size.toString(16)}-${Math.trunc(found.mtimeMs).toString(16)}"`;
    const type = CONTENT_TYPES[extname(found.path).toLowerCase()] ?? 'application/octet-stream';
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', found.relative.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
    res.setHeader('ETag', etag);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (type.startsWith('text/html')) res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    const validators = req.headers['if-none-match'];
    if (validators && validators.split(',').some((v) => v.trim() === etag || v.trim() === '*')) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Length', String(found.size));
    if (req.method === 'HEAD') {
      res.status(200).end();
      return;
    }
    res.status(200);
    try {
      await pipeline(createReadStream(found.path), res);
    } catch {
      // The client went away or the file vanished mid-read; the response is already cut.
      res.destroy();
    }
  };

  return { root, handler };
}
