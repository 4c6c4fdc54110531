import Testing

@testable import KubeSim

/// kube-sim must never crash on bad input: every request gets a Status.
@Suite struct APIRobustnessTests {
    @Test func garbageBodiesGetStatusErrors() async throws {
        let sim = try await SimHarness()
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("target"))
        var rng = SystemRandomNumberGenerator()
        let bodies: [[UInt8]] = [
            [], Array("null".utf8), Array("\"str\"".utf8), Array("{\"metadata\":7}".utf8),
            Array("{\"metadata\":{\"labels\":[1]}}".utf8), Array(String(repeating: "[", count: 100_000).utf8),
            Array("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [".utf8),
            Array(String(repeating: "- ", count: 5000).utf8),
            [0x6b, 0x38, 0x73, 0x00, 0xff, 0xff], (0..<2000).map { _ in UInt8.random(in: 0...255, using: &rng) },
        ]
        let types = ["application/json", "application/yaml", "application/merge-patch+json", "application/json-patch+json",
            "application/strategic-merge-patch+json", "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf"]
        let targets = [("POST", "/api/v1/namespaces/default/configmaps"), ("PUT", "/api/v1/namespaces/default/configmaps/target"),
            ("PATCH", "/api/v1/namespaces/default/configmaps/target?fieldManager=t"), ("DELETE", "/api/v1/namespaces/default/configmaps/target2"),
            ("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")]
        for body in bodies {
            for ct in types {
                for (method, target) in targets {
                    let r = await sim.api.handle(APIRequest(method: method, target: target, headers: ["content-type": ct], body: body))
                    #expect((400..<500).contains(r.status), "\(method) \(target) \(ct) -> \(r.status)")
                    #expect(r.json?["kind"] == "Status", "\(method) \(target) \(ct) body is not a Status")
                }
            }
        }
        // The object is untouched by all that.
        let (code, cm) = await sim.json("GET", "/api/v1/namespaces/default/configmaps/target")
        #expect(code == 200)
        #expect(cm["data"] == ["k": "v"])
    }

    @Test func strangePathsAndQueries() async throws {
        let sim = try await SimHarness()
        for target in ["/api/v2", "/apis/apps/v9", "/api/v1/namespaces/default/pods/x/y/z", "/api/v1/nope",
            "/api/v1/pods/x", "/api/v1/namespaces/default/configmaps?limit=-1", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=abc",
            "/api/v1/namespaces/default/configmaps?labelSelector=%%%", "/%00", "/api/v1/namespaces//pods"]
        {
            let r = await sim.call("GET", target)
            #expect((400..<500).contains(r.status), "\(target) -> \(r.status)")
        }
    }
}
