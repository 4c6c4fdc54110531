import Testing

@testable import VigilControllers

/// Events the API server would refuse are lost: names over 253 characters
/// and messages over 1024 bytes are the two ways to get there.
@Suite struct EventRecorderTests {
    @Test func eventNamesStayWithin253CharactersAndEndCleanly() {
        let suffix = "18a2b3c4d5e6f7a8"
        #expect(EventRecorder.eventName(for: "short", suffix: suffix) == "short.\(suffix)")
        let long = String(repeating: "a", count: 230) + "-" + String(repeating: "b", count: 30)
        let name = EventRecorder.eventName(for: long, suffix: suffix)
        #expect(name.count <= 253)
        #expect(name.hasSuffix("." + suffix))
        // The cut lands right after a "-": it is dropped, so the name part ends alphanumeric.
        let cut = String(repeating: "a", count: 235) + "-bbbb"
        #expect(EventRecorder.eventName(for: cut, suffix: suffix) == String(repeating: "a", count: 235) + "." + suffix)
    }

    @Test func messagesAreCutAt1024BytesWithoutSplittingACharacter() {
        let ascii = String(repeating: "x", count: 2000)
        #expect(EventRecorder.truncated(ascii, maxBytes: 1024).utf8.count == 1024)
        let wide = String(repeating: "é", count: 700)  // 2 bytes each: 1400 bytes
        let cut = EventRecorder.truncated(wide, maxBytes: 1024)
        #expect(cut.utf8.count <= 1024 && cut.utf8.count >= 1022)
        #expect(cut.allSatisfy { $0 == "é" }, "whole characters only")
        #expect(EventRecorder.truncated("short", maxBytes: 1024) == "short")
    }
}
