import Testing

@testable import KubeSim

@Suite struct JSONPathTests {
    static let obj = try! JSON.parse(#"""
        {"metadata": {"name": "web", "labels": {"app": "nginx", "app.kubernetes.io/name": "shop"}},
         "spec": {"replicas": 3, "ratio": 0.5, "paused": false, "items": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                  "selector": {"tier": "front", "app": "x<y"}},
         "status": {"conditions": [
            {"type": "Available", "status": "True"},
            {"type": "Ready", "status": "False", "reason": "Pending"}]}}
        """#)

    func values(_ path: String) throws -> [JSON] { try JSONPath(path).findResults(in: Self.obj) }

    @Test func simpleFields() throws {
        #expect(try values(".spec.replicas") == [3])
        #expect(try values(".metadata.labels.app") == ["nginx"])
        #expect(try values("$.metadata.name") == ["web"])
        #expect(try values("{.metadata.name}") == ["web"])
    }

    @Test func missingKeysSelectNothing() throws {
        #expect(try values(".spec.nothing") == [])
        #expect(try values(".status.missing.deeper") == [])
        #expect(try values(".spec.replicas.field") == [])
    }

    @Test func filters() throws {
        #expect(try values(#".status.conditions[?(@.type=="Ready")].status"#) == ["False"])
        #expect(try values(#".status.conditions[?(@.type == 'Available')].status"#) == ["True"])
        #expect(try values(#".status.conditions[?(@.type!="Ready")].type"#) == ["Available"])
        #expect(try values(".status.conditions[?(@.reason)].type") == ["Ready"])
        #expect(try values(#".status.conditions[?(@.type=="Gone")].status"#) == [])
    }

    @Test func comparingAcrossTypesIsAnError() {
        #expect(throws: JSONPathError.self) { try values(#".spec.items[?(@.name==1)].name"#) }
    }

    @Test func indexesSlicesAndWildcards() throws {
        #expect(try values(".spec.items[0].name") == ["a"])
        #expect(try values(".spec.items[-1].name") == ["c"])
        #expect(try values(".spec.items[*].name") == ["a", "b", "c"])
        #expect(try values(".spec.items[0:2].name") == ["a", "b"])
        #expect(try values(".spec.items[::2].name") == ["a", "c"])
        #expect(try values(".spec.items[0,2].name") == ["a", "c"])
        #expect(try values(".spec.items.*.name") == ["a", "b", "c"])
        #expect(try values("..name") == ["web", "a", "b", "c"])
    }

    @Test func outOfRangeAndNonArrayAreErrors() throws {
        #expect(throws: JSONPathError.self) { try values(".spec.items[5].name") }
        #expect(throws: JSONPathError.self) { try values(".metadata[0]") }
        #expect(throws: JSONPathError.self) { try values(".metadata[?(@.x)]") }
        #expect(try JSONPath(".spec.items[5]").values(in: Self.obj) == [])
    }

    @Test func bracketKeysAreReadAsFieldPathsLikeClientGo() throws {
        #expect(try values(".metadata.labels['app']") == ["nginx"])
        // client-go re-reads ['…'] as ".…", so unescaped dots split the key…
        #expect(try values(".metadata.labels['app.kubernetes.io/name']") == [])
        // …and escaped dots keep it whole (in brackets or not).
        #expect(try values(#".metadata.labels['app\.kubernetes\.io/name']"#) == ["shop"])
        #expect(try values(#".metadata.labels.app\.kubernetes\.io/name"#) == ["shop"])
    }

    @Test func parseErrors() {
        #expect(throws: JSONPathError.self) { try JSONPath(#".metadata.labels["app"]"#) }
        #expect(throws: JSONPathError.self) { try JSONPath(".spec.items[0") }
        #expect(throws: JSONPathError.self) { try JSONPath(".spec.items[a]") }
    }

    @Test func goTextOfResults() throws {
        #expect(GoText.printResult(.double(0.5)) == "0.5")
        #expect(GoText.printResult(.double(3)) == "3")
        #expect(GoText.printResult(.double(1_234_567)) == "1.234567e+06")
        #expect(GoText.printResult(.double(0.00001)) == "1e-05")
        #expect(GoText.printResult(.bool(false)) == "false")
        #expect(GoText.printResult(.null) == "<no value>")
        #expect(GoText.printResult(Self.obj["spec"]!["selector"]!) == #"{"app":"x\u003cy","tier":"front"}"#)
        #expect(GoText.printResult(["a", 1, 2.5, 1e21]) == #"["a",1,2.5,1e+21]"#)
    }
}
