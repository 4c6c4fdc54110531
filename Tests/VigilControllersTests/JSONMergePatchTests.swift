import Testing
import VigilControllers
import VigilJSON

/// The merge patch that turns what is stored into what is wanted (RFC 7386):
/// members that went away become null, so maps shrink in storage.
@Suite struct JSONMergePatchTests {
    @Test func diffNullsRemovedMembersAndKeepsEqualOnesOut() throws {
        let old: JSON = ["pending": ["a": "1", "b": "2"], "keep": 1, "gone": "x", "lastRunAt": "t"]
        let new: JSON = ["pending": ["b": "2"], "keep": 1, "lastRunAt": .null, "added": ["z": true]]
        let patch = try #require(JSONMergePatch.diff(from: old, to: new))
        #expect(patch == ["pending": ["a": .null], "gone": .null, "lastRunAt": .null, "added": ["z": true]])
        #expect(JSONMergePatch.apply(patch, to: old) == ["pending": ["b": "2"], "keep": 1, "added": ["z": true]])
        #expect(JSONMergePatch.diff(from: old, to: old) == nil)
    }

    @Test func fromNothingEverythingIsSent() throws {
        let stored: JSON = ["trigger": .null, "totalRuns": .null, "pending": .null, "runs": .null, "lastFiredAt": .null]
        let wanted: JSON = ["trigger": "x", "totalRuns": 0, "pending": [:], "runs": [], "lastFiredAt": .null]
        #expect(JSONMergePatch.diff(from: stored, to: wanted) == ["trigger": "x", "totalRuns": 0, "pending": [:], "runs": []])
        // Arrays are replaced whole.
        #expect(JSONMergePatch.diff(from: ["l": [1, 2]], to: ["l": [2]]) == ["l": [2]])
    }
}
