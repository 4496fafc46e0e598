/**
 * The load generator of bench/web.bench.ts, in its own process: autocannon in
 * the server's process would share the server's event loop (its HTTP parsing
 * of 50 connections' answers runs on the same thread as the handlers), so
 * every server figure would include the client's work. Reads
 * { base, cookie, paths, connections, seconds } as JSON on stdin and writes
 * { times, non2xx, errors, timeouts, rps } as JSON on stdout.
 */
import autocannon from "autocannon";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { base, cookie, paths, connections, seconds } = JSON.parse(input);
const times = [];
let k = 0;
const result = await new Promise((resolve, reject) => {
  const instance = autocannon(
    {
      url: base,
      connections,
      duration: seconds,
      timeout: 10,
      // As a browser sends it: answers that can be compressed come gzip-compressed
      // (the client does not inflate them; a browser does, in native code).
      headers: { cookie, "accept-encoding": "gzip, deflate, br" },
      requests: [
        {
          method: "GET",
          setupRequest: (req) => ({ ...req, path: paths[k++ % paths.length] }),
        },
      ],
    },
    (err, r) => (err ? reject(err) : resolve(r)),
  );
  instance.on("response", (_client, _status, _bytes, responseTime) => times.push(responseTime));
});
process.stdout.write(
  JSON.stringify({
    times,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: result.requests.average,
  }),
);
