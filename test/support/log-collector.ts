import { Writable } from 'node:stream';

/** Collects an app's JSON log lines (pass `stream` as createApp's logDestination): parsed, and as written. */
export function logCollector() {
  const lines: any[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { stream, lines, raw };
}
