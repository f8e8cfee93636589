// Runs verification cases against the browser build's API (merkle-engine/verify). The same file
// runs in headless Chromium (loaded by page.html) and in Node (imported by the test), so both
// report on exactly the same cases. It only reports what happened; the test judges it.

const fromHex = (text) => new Uint8Array(text.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function claimsOf(c) {
  const claims = {};
  if (c.root !== undefined) claims.root = c.root;
  if (c.leafData !== undefined) claims.leaf = { data: fromHex(c.leafData) };
  if (c.leafHash !== undefined) claims.leaf = { leafHash: c.leafHash };
  return claims;
}

async function runOne(lib, c) {
  switch (c.kind) {
    case 'proof':
      await lib.verifyProof(c.proof, claimsOf(c));
      return null;
    case 'key':
      return lib.verifyKeyProof(c.proof, c.root, c.key === undefined ? {} : { key: c.key });
    case 'digest': {
      const kernels = await lib.loadKernels();
      const data = fromHex(c.data);
      const out = new Uint8Array(32);
      kernels[c.hash].hashSpans(data, Uint32Array.of(0, data.length), -1, out);
      return { digest: toHex(out), kernel: kernels[c.hash].kernel };
    }
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

/** runCases runs every case and returns, for each, { name, ok, value } or { name, ok: false, code, error }. */
export async function runCases(lib, cases) {
  const results = [];
  for (const c of cases) {
    try {
      results.push({ name: c.name, ok: true, value: await runOne(lib, c) });
    } catch (error) {
      results.push({ name: c.name, ok: false, code: error?.code ?? null, error: `${error?.name}: ${error?.message}` });
    }
  }
  return results;
}
