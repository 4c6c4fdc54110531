import Testing
@testable import VigilHTTP

@Suite struct StreamBufferTests {
    private func offer(_ buffer: StreamBuffer, _ count: Int) -> Bool {
        Array(repeating: UInt8(7), count: count).withUnsafeBytes { buffer.offer($0) }
    }

    @Test func refusesWhenFullAndAsksForResumeAtLowWater() {
        let buffer = StreamBuffer(limit: 100)
        #expect(offer(buffer, 60))
        #expect(offer(buffer, 60), "may exceed the limit by one read")
        #expect(!offer(buffer, 10), "full: the transfer pauses")
        guard case .chunk(let first, let resume1) = buffer.poll() else { Issue.record("expected a chunk"); return }
        #expect(first.count == 60)
        #expect(!resume1, "60 bytes left is above the low-water mark (50)")
        guard case .chunk(_, let resume2) = buffer.poll() else { Issue.record("expected a chunk"); return }
        #expect(resume2, "drained: resume the producer")
        guard case .empty = buffer.poll() else { Issue.record("expected empty"); return }
        #expect(buffer.peakBytes == 120)
    }

    @Test func endAndErrorAfterData() {
        let buffer = StreamBuffer(limit: 100)
        #expect(offer(buffer, 5))
        buffer.finish(nil)
        guard case .chunk = buffer.poll() else { Issue.record("data before the end"); return }
        guard case .end(nil) = buffer.poll() else { Issue.record("clean end"); return }

        let failing = StreamBuffer(limit: 100)
        #expect(offer(failing, 5))
        failing.finish(HTTPClientError(kind: .idleTimeout, message: "", url: ""))
        guard case .end(let error?) = failing.poll() else { Issue.record("error end, unread data dropped"); return }
        #expect(error.kind == .idleTimeout)
    }

    @Test func waiterWakesOnData() async {
        let buffer = StreamBuffer(limit: 100)
        async let waited: Void = buffer.waitForData()
        try? await Task.sleep(for: .milliseconds(20))
        #expect(offer(buffer, 1))
        await waited
        guard case .chunk = buffer.poll() else { Issue.record("expected a chunk"); return }
    }
}
