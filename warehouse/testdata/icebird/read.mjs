// Reads a table of an ntm warehouse with icebird, the JavaScript Iceberg reader, as an outside
// reader would: node read.mjs TABLE_DIR COLUMN prints the table location and the rows per value
// of COLUMN as JSON. ICEBIRD is the file URL of icebird's src/index.js (npm install icebird
// hyparquet). Node's fetch has no file:// support, so a small fetch for file:// URIs (HEAD, GET,
// Range) stands in; a bare path is not a URL and fails, as it does in fetch.
//
// icebird 0.3.1 inflates Avro's deflate blocks with hyparquet-compressors' gunzip, which fails
// ("RangeError: offset is out of bounds") on the raw deflate blocks of iceberg-go's manifests:
// with INFLATE_AVRO set, the stand-in serves Avro files with their blocks inflated (codec null).
import { open, readFile, stat } from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
import { fileURLToPath, pathToFileURL } from 'node:url'

const realFetch = globalThis.fetch
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input.url ?? String(input)
  if (!url.startsWith('file:')) {
    if (url.startsWith('/')) throw new TypeError(`not a URL: ${url}`)
    return realFetch(input, init)
  }
  const path = fileURLToPath(url)
  let size
  try { size = (await stat(path)).size } catch { return new Response(null, { status: 404 }) }
  if (init.method === 'HEAD') return new Response(null, { status: 200, headers: { 'content-length': String(size) } })
  const range = new Headers(init.headers).get('range')
  if (range) {
    const [, a, b] = /bytes=(\d+)-(\d*)/.exec(range)
    const start = Number(a), end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
    const fh = await open(path)
    const buf = Buffer.alloc(end - start + 1)
    await fh.read(buf, 0, buf.length, start)
    await fh.close()
    return new Response(buf, { status: 206, headers: { 'content-length': String(buf.length) } })
  }
  if (path.endsWith('.avro') && process.env.INFLATE_AVRO) return new Response(avroNullCodec(await readFile(path)), { status: 200 })
  return new Response(await readFile(path), { status: 200, headers: { 'content-length': String(size) } })
}

const { icebergMetadata, icebergRead } = await import(process.env.ICEBIRD)
const [tableDir, column] = process.argv.slice(2)
const tableUrl = pathToFileURL(tableDir).href
const metadata = await icebergMetadata({ tableUrl })
const rows = await icebergRead({ tableUrl, metadata })
const counts = {}
for (const r of rows) counts[r[column]] = (counts[r[column]] ?? 0) + 1
console.log(JSON.stringify({ location: metadata.location, counts }))

// avroNullCodec rewrites an Avro container file with deflate blocks as the same file with
// uncompressed blocks (codec null), inflating each block with zlib.
function avroNullCodec(buf) {
  let pos = 0
  const readLong = () => {
    let n = 0n, shift = 0n, b
    do { b = buf[pos++]; n |= BigInt(b & 0x7f) << shift; shift += 7n } while (b & 0x80)
    return Number((n >> 1n) ^ -(n & 1n))
  }
  const writeLong = (out, v) => {
    let n = (BigInt(v) << 1n) ^ (BigInt(v) >> 63n)
    do { let b = Number(n & 0x7fn); n >>= 7n; if (n) b |= 0x80; out.push(Buffer.from([b])) } while (n)
  }
  const readBytes = () => { const n = readLong(); const b = buf.subarray(pos, pos + n); pos += n; return b }
  if (buf.subarray(0, 4).toString('latin1') !== 'Obj\x01') return buf
  pos = 4
  const meta = []
  for (let n = readLong(); n !== 0; n = readLong()) {
    if (n < 0) { n = -n; readLong() }
    for (let i = 0; i < n; i++) meta.push([readBytes().toString(), readBytes()])
  }
  const codec = meta.find(([k]) => k === 'avro.codec')
  if (!codec || codec[1].toString() !== 'deflate') return buf
  const sync = buf.subarray(pos, pos + 16); pos += 16
  const out = [buf.subarray(0, 4)]
  writeLong(out, meta.length)
  for (const [k, v] of meta) {
    const val = k === 'avro.codec' ? Buffer.from('null') : v
    writeLong(out, Buffer.byteLength(k)); out.push(Buffer.from(k)); writeLong(out, val.length); out.push(val)
  }
  writeLong(out, 0); out.push(sync)
  while (pos < buf.length) {
    const count = readLong(); const data = inflateRawSync(readBytes()); pos += 16
    writeLong(out, count); writeLong(out, data.length); out.push(data, sync)
  }
  return Buffer.concat(out)
}
