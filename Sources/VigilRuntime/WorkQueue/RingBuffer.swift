/// A growable first-in-first-out buffer with O(1) `append` and `popFirst`,
/// used for the work queue's ready keys and its waiting workers. It never
/// shrinks: its capacity is the most elements it has held at once.
struct RingBuffer<Element> {
    private var storage: ContiguousArray<Element?> = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) & (storage.count - 1)] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) & (storage.count - 1)
        count -= 1
        return element
    }

    /// Removes and returns the first element matching `predicate`, keeping
    /// the order of the rest. O(count); for rare removals (a cancelled
    /// waiter), not the hot path.
    mutating func removeFirst(where predicate: (Element) -> Bool) -> Element? {
        var kept = RingBuffer()
        var found: Element?
        while let element = popFirst() {
            if found == nil, predicate(element) {
                found = element
            } else {
                kept.append(element)
            }
        }
        self = kept
        return found
    }

    /// Empties the buffer, returning its elements in order.
    mutating func removeAll() -> [Element] {
        var all: [Element] = []
        all.reserveCapacity(count)
        while let element = popFirst() { all.append(element) }
        return all
    }

    /// Doubles the capacity (a power of two, so indices wrap with a mask),
    /// laying the elements out from index 0.
    private mutating func grow() {
        let newCapacity = Swift.max(16, storage.count * 2)
        var newStorage = ContiguousArray<Element?>(repeating: nil, count: newCapacity)
        for i in 0..<count {
            newStorage[i] = storage[(head + i) & (storage.count - 1)]
        }
        storage = newStorage
        head = 0
    }
}

extension RingBuffer: Sendable where Element: Sendable {}
