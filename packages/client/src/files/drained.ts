import { AbortError } from "@regatta/errors";

/** A Node or streamx writable, as far as waiting on it goes. */
interface DrainingStream {
  readonly destroyed: boolean;
  on(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * Resolves once `stream` wants more after a write returned false, and rejects with an AbortError naming `reader`
 * when it is destroyed first (or already was): a destroyed stream never drains, and `events.once(stream, "drain")`
 * would then wait forever, holding the download that feeds it.
 */
export function drained(stream: DrainingStream, reader: string): Promise<void> {
  const gone = () => new AbortError(`the reader of ${reader} went away`);
  if (stream.destroyed) return Promise.reject(gone());
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(gone());
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}
