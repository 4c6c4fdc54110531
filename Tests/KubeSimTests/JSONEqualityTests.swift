import Testing
import VigilJSON

/// JSON values compare as they are on the wire: an integer and a double with
/// the same value are equal (0.0 is written "0" and parsed back as 0), and
/// objects compare without regard to key order.
@Suite struct JSONEqualityTests {
    @Test func numbersCompareByValue() throws {
        #expect(JSON.int(0) == JSON.double(0))
        #expect(JSON.double(3) == JSON.int(3))
        #expect(JSON.int(3) != JSON.double(3.5))
        #expect(JSON.int(1) != JSON.string("1"))
        #expect(JSON.double(.nan) != JSON.double(.nan))
        let written: JSON = ["durationSeconds": .double(0), "n": .double(2), "x": .double(0.25)]
        let read = try JSON.parse(written.serialized())
        #expect(read["durationSeconds"] == .int(0), "0.0 comes back as an integer")
        #expect(read == written, "and still equals what was written")
    }

    @Test func objectsIgnoreKeyOrderButNotContent() {
        let a: JSON = ["a": 1, "b": ["c": .double(1), "d": [1, 2]]]
        let b: JSON = ["b": ["d": [1, 2], "c": 1], "a": 1]
        #expect(a == b)
        #expect(a != ["a": 1, "b": ["c": 1, "d": [2, 1]]] as JSON, "array order matters")
        #expect(a != ["a": 1] as JSON)
    }
}
