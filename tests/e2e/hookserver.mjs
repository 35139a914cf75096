// A real webhook endpoint on 127.0.0.1 for the end-to-end tests. It
// records every request, answers CORS preflights, and can be told to fail
// the next deliveries (500, 429 with Retry-After, a closed connection, a
// 4xx) or to answer slowly.
import { createServer } from 'node:http';

export async function startHookServer() {
  const state = { requests: [], accepted: [], plan: [], delayMs: 0 };
  const server = createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'content-type, idempotency-key, x-team',
      'Access-Control-Expose-Headers': 'retry-after',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const record = { headers: req.headers, body, at: Date.now() };
      state.requests.push(record);
      const step = state.plan.shift();
      const respond = () => {
        if (step === 'close') {
          req.socket.destroy();
          return;
        }
        if (step && step.startsWith('429')) {
          res.writeHead(429, { ...cors, 'Retry-After': step.split(':')[1] ?? '1' });
          res.end('slow down');
          return;
        }
        if (step && /^\d+$/.test(step)) {
          res.writeHead(Number(step), cors);
          res.end('no');
          return;
        }
        state.accepted.push(record);
        res.writeHead(200, cors);
        res.end('ok');
      };
      if (state.delayMs) setTimeout(respond, state.delayMs);
      else respond();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    state,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The JSON a request carried, whatever the format. */
export function payload(record) {
  if (record.body.startsWith('payload=')) {
    return JSON.parse(decodeURIComponent(record.body.slice(8).replace(/\+/g, ' ')));
  }
  return JSON.parse(record.body);
}
