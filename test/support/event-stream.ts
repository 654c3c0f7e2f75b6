export interface ReceivedEvent {
  id: string;
  type: string;
  data: any;
}

export interface EventStreamClient {
  status: number;
  contentType: string | null;
  events: ReceivedEvent[];
  /** Every raw chunk of text received, comments included. */
  raw: string;
  waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  waitForText(text: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Opens a text/event-stream with fetch and parses its messages as they arrive. */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const client: EventStreamClient = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events: [],
    raw: '',
    waitFor: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = client.events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event within ${timeoutMs} ms: ${client.raw}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    waitForText: async (text, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!client.raw.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => abort.abort(),
  };
  if (!response.body || response.status !== 200) return client;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        client.raw += value;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields.event && fields.data)
            client.events.push({ id: fields.id, type: fields.event, data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return client;
}
