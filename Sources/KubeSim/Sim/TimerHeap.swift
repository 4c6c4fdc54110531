/// A min-heap of (due time, key): the simulator's timed transitions
/// (container start, exit, OOM, termination) wait here instead of being found
/// by scanning every pod on a tick.
struct TimerHeap: Sendable {
    struct Entry: Sendable {
        var due: Double
        var seq: UInt64
        var key: String
    }
    private(set) var entries: [Entry] = []
    private var seq: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The earliest due time.
    var nextDue: Double? { entries.first?.due }

    mutating func schedule(_ key: String, at due: Double) {
        seq &+= 1
        entries.append(Entry(due: due, seq: seq, key: key))
        siftUp(entries.count - 1)
    }

    /// Removes and returns every key due at or before `now`, earliest first.
    mutating func popDue(now: Double) -> [String] {
        var out: [String] = []
        while let first = entries.first, first.due <= now {
            out.append(first.key)
            let last = entries.removeLast()
            if !entries.isEmpty {
                entries[0] = last
                siftDown(0)
            }
        }
        return out
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        entries[a].due < entries[b].due || (entries[a].due == entries[b].due && entries[a].seq < entries[b].seq)
    }

    private mutating func siftUp(_ i0: Int) {
        var i = i0
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { return }
            entries.swapAt(i, p)
            i = p
        }
    }

    private mutating func siftDown(_ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < entries.count, less(l, m) { m = l }
            if r < entries.count, less(r, m) { m = r }
            if m == i { return }
            entries.swapAt(i, m)
            i = m
        }
    }
}
