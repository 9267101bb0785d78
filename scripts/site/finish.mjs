// Finishes the site folder that `agent-connect serve` serves: copies the built bundle (the
// JavaScript glue, the optimized wasm and the stylesheet) under content-hashed names, copies the
// public files, writes `hash.txt` (the names the server links to), and puts precompressed
// Brotli and gzip copies beside every text or wasm file, so the server never compresses at
// request time.
//
// Usage: node scripts/site/finish.mjs STAGE_DIR PUBLIC_DIR SITE_ROOT
// STAGE_DIR holds agent-connect.js, agent-connect.wasm and agent-connect.css.

import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const NAME = "agent-connect";
const [stage, publicDir, siteRoot] = process.argv.slice(2);
if (!stage || !publicDir || !siteRoot) {
  console.error("usage: finish.mjs STAGE_DIR PUBLIC_DIR SITE_ROOT");
  process.exit(2);
}

// Build next to the live folder and swap at the end, so a running server never sees half a site.
const next = `${siteRoot}.next`;
rmSync(next, { recursive: true, force: true });
mkdirSync(join(next, "pkg"), { recursive: true });
cpSync(publicDir, next, { recursive: true });

const hashes = [];
for (const ext of ["js", "wasm", "css"]) {
  const bytes = readFileSync(join(stage, `${NAME}.${ext}`));
  // 20 hex digits of SHA-256: plenty to tell builds apart, short enough for a URL.
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 20);
  writeFileSync(join(next, "pkg", `${NAME}.${hash}.${ext}`), bytes);
  hashes.push(`${ext}: ${hash}`);
}
writeFileSync(join(next, "hash.txt"), `${hashes.join("\n")}\n`);

const COMPRESSIBLE = new Set([".js", ".wasm", ".css", ".svg", ".html", ".json", ".txt", ".webmanifest"]);
const sizes = [];
function compressTree(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      compressTree(path);
      continue;
    }
    if (!COMPRESSIBLE.has(extname(path)) || basename(path) === "hash.txt") continue;
    const bytes = readFileSync(path);
    const br = brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    });
    const gz = gzipSync(bytes, { level: 9 });
    writeFileSync(`${path}.br`, br);
    writeFileSync(`${path}.gz`, gz);
    sizes.push([path.slice(next.length + 1), bytes.length, gz.length, br.length]);
  }
}
compressTree(next);

rmSync(siteRoot, { recursive: true, force: true });
mkdirSync(dirname(siteRoot), { recursive: true });
renameSync(next, siteRoot);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`site: ${siteRoot}`);
for (const [file, raw, gz, br] of sizes) {
  console.log(`  ${file.padEnd(44)} ${kb(raw).padStart(10)}  gzip ${kb(gz).padStart(9)}  br ${kb(br).padStart(9)}`);
}
