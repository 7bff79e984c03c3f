/** Reads a server-sent-event stream with fetch and collects its events until stopped. */
export interface SseCollector {
  events: { event: string; data: unknown }[];
  stop(): void;
}

export async function collectSse(url: string): Promise<SseCollector> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
  if (res.status !== 200) throw new Error(`SSE ${url}: ${res.status}`);
  const events: SseCollector['events'] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) events.push({ event, data: JSON.parse(data) as unknown });
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
  return { events, stop: () => controller.abort() };
}
