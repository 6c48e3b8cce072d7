// A FIFO with O(1) shift: an array and a head index, compacted now and then.
export interface Queue<T> {
  push(item: T): void;
  shift(): T | undefined;
  readonly size: number;
}

export function createQueue<T>(): Queue<T> {
  let items: T[] = [];
  let head = 0;
  return {
    push(item) {
      items.push(item);
    },
    shift() {
      if (head >= items.length) return undefined;
      const item = items[head++];
      if (head > 1024 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return item;
    },
    get size() {
      return items.length - head;
    },
  };
}
