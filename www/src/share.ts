// Sharing a scheme as a link: the text, compressed with the browser's own
// CompressionStream("deflate-raw") and base64url-encoded, in the URL fragment (never sent to a
// server).

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([data as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unbase64url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

/** The fragment (`#s=...`) that carries `text`. */
export async function encodeFragment(text: string): Promise<string> {
  const packed = await pipe(new TextEncoder().encode(text), new CompressionStream("deflate-raw"));
  return `#s=${base64url(packed)}`;
}

/** The text in a fragment made by `encodeFragment`, or null when there is none. */
export async function decodeFragment(hash: string): Promise<string | null> {
  const m = /^#s=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m || m[1] === undefined) return null;
  try {
    const bytes = await pipe(unbase64url(m[1]), new DecompressionStream("deflate-raw"));
    return new TextDecoder().decode(bytes);
  } catch {
    return null;
  }
}
