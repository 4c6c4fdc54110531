/// A de-duplicating, per-key-serial work queue in the manner of client-go's
/// `workqueue`: a key added while queued is not queued twice; a key added
/// while being processed is queued again when processing ends, so no two
/// workers ever reconcile the same key at once.
struct WorkQueue: Sendable {
    private var queue: [String] = []
    private var head = 0
    private var dirty: Set<String> = []
    private var processing: Set<String> = []

    var count: Int { queue.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func add(_ key: String) {
        guard !dirty.contains(key) else { return }
        dirty.insert(key)
        if processing.contains(key) { return }
        queue.append(key)
    }

    /// The next key to process, marked as processing.
    mutating func next() -> String? {
        guard head < queue.count else { return nil }
        let key = queue[head]
        head += 1
        if head > 1024, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        dirty.remove(key)
        processing.insert(key)
        return key
    }

    /// Ends processing of `key`; re-queues it if it was added meanwhile.
    mutating func done(_ key: String) {
        processing.remove(key)
        if dirty.contains(key) { queue.append(key) }
    }
}
