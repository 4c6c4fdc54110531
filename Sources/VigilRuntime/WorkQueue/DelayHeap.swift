/// The keys waiting for their `addAfter` time: a binary min-heap on the ready
/// time that holds each key at most once (adding a key again keeps the
/// earlier of the two times, as client-go's delaying queue does). Keys ready
/// at the same time come out in the order they were first added.
struct DelayHeap<Key: Hashable & Sendable>: Sendable {
    struct Entry: Sendable {
        let key: Key
        var readyAt: Double
        var sequence: Int
    }

    private var entries: [Entry] = []
    private var positions: [Key: Int] = [:]
    private var nextSequence = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// The earliest ready time, if any key is waiting.
    var nextReadyAt: Double? { entries.first?.readyAt }

    func readyAt(_ key: Key) -> Double? {
        positions[key].map { entries[$0].readyAt }
    }

    /// Schedules `key` at `readyAt`, or moves it earlier if it is already
    /// waiting for a later time. Returns whether the heap changed.
    @discardableResult
    mutating func insert(_ key: Key, readyAt: Double) -> Bool {
        if let i = positions[key] {
            guard readyAt < entries[i].readyAt else { return false }
            entries[i].readyAt = readyAt
            siftUp(i)
            return true
        }
        nextSequence += 1
        entries.append(Entry(key: key, readyAt: readyAt, sequence: nextSequence))
        positions[key] = entries.count - 1
        siftUp(entries.count - 1)
        return true
    }

    /// Removes and returns the earliest key if its time is `<= now`.
    mutating func popDue(now: Double) -> Key? {
        guard let first = entries.first, first.readyAt <= now else { return nil }
        positions[first.key] = nil
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            positions[last.key] = 0
            siftDown(0)
        }
        return first.key
    }

    mutating func removeAll() {
        entries.removeAll()
        positions.removeAll()
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = entries[a], y = entries[b]
        return x.readyAt < y.readyAt || (x.readyAt == y.readyAt && x.sequence < y.sequence)
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        positions[entries[a].key] = a
        positions[entries[b].key] = b
    }

    private mutating func siftUp(_ index: Int) {
        var i = index
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { return }
            swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var i = index
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < entries.count, less(left, smallest) { smallest = left }
            if right < entries.count, less(right, smallest) { smallest = right }
            if smallest == i { return }
            swapAt(i, smallest)
            i = smallest
        }
    }
}
