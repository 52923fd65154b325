/** A FIFO async mutex: `lock()` resolves with a release function once every earlier holder has released. */
export interface Mutex {
  lock(): Promise<() => void>;
}

export function createMutex(): Mutex {
  let tail: Promise<void> = Promise.resolve();
  return {
    lock() {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const ready = tail.then(() => {
        let released = false;
        return () => {
          if (released) return;
          released = true;
          release();
        };
      });
      tail = tail.then(() => held);
      return ready;
    },
  };
}
