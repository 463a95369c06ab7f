// Copies the GraphiQL page's browser files from node_modules into gateway/graphiql_static/,
// at the paths strawberry's page names them under its CDN (`<package>@<version>/<file>`), with each
// package's licence and a manifest (MANIFEST.json: version, sha384, licence per file).
//
//   npm ci --prefix tools/graphiql-assets && node tools/graphiql-assets/copy.mjs
//   node tools/graphiql-assets/copy.mjs --check   # exit 1 when the committed files differ
//
// Why the files are committed and served by the gateway: docs/decisions/0058-graphiql-assets.md.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const MODULES = join(HERE, "node_modules");
const TARGET = join(HERE, "..", "..", "gateway", "graphiql_static");

// package -> the files of it the page loads (paths inside the package).
const FILES = {
  react: ["umd/react.production.min.js"],
  "react-dom": ["umd/react-dom.production.min.js"],
  "js-cookie": ["dist/js.cookie.min.js"],
  graphiql: ["graphiql.min.js", "graphiql.min.css"],
  "@graphiql/plugin-explorer": ["dist/index.umd.js", "dist/style.css"],
};

function licence(pkg, meta) {
  const own = join(MODULES, pkg, "LICENSE");
  if (existsSync(own)) return readFileSync(own);
  // @graphiql/plugin-explorer ships no LICENSE file; it comes from graphiql's repository under its licence.
  const text = `${pkg}@${meta.version} declares "license": "${meta.license}" in its package.json and ships no ` +
    `LICENSE file. It is published from the same repository as graphiql (${meta.repository?.url ?? "graphql/graphiql"}), ` +
    `whose licence follows.\n\n${readFileSync(join(MODULES, "graphiql", "LICENSE"), "utf8")}`;
  return Buffer.from(text);
}

function sha384(bytes) {
  return "sha384-" + createHash("sha384").update(bytes).digest("base64");
}

const wanted = new Map(); // path under TARGET -> bytes
const manifest = { generatedBy: "tools/graphiql-assets/copy.mjs", packages: {} };
for (const [pkg, files] of Object.entries(FILES)) {
  const meta = JSON.parse(readFileSync(join(MODULES, pkg, "package.json"), "utf8"));
  const base = `${pkg}@${meta.version}`;
  const entry = { version: meta.version, license: meta.license, licenseFile: `${base}/LICENSE`, files: {} };
  for (const file of files) {
    const bytes = readFileSync(join(MODULES, pkg, file));
    wanted.set(`${base}/${file}`, bytes);
    entry.files[`${base}/${file}`] = { sha384: sha384(bytes), bytes: bytes.length };
  }
  wanted.set(entry.licenseFile, licence(pkg, meta));
  manifest.packages[pkg] = entry;
}
wanted.set("MANIFEST.json", Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));

if (process.argv.includes("--check")) {
  const differ = [...wanted].filter(([path, bytes]) => {
    const at = join(TARGET, path);
    return !existsSync(at) || !readFileSync(at).equals(bytes);
  });
  for (const [path] of differ) console.log(`differs or missing: gateway/graphiql_static/${path}`);
  process.exit(differ.length ? 1 : 0);
}

rmSync(TARGET, { recursive: true, force: true });
for (const [path, bytes] of wanted) {
  mkdirSync(dirname(join(TARGET, path)), { recursive: true });
  writeFileSync(join(TARGET, path), bytes);
}
console.log(`wrote ${wanted.size} files under gateway/graphiql_static/`);
